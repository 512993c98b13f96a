#!/usr/bin/env bash
# Makes sure PostgreSQL and RabbitMQ answer on 127.0.0.1, for `make run` and `make test`.
# A server given by ENCAISSE_DATABASE_URL / ENCAISSE_AMQP_URL is left alone.
# When one does not answer and we are root on Debian, it is installed from Debian's
# packages and started; otherwise this says exactly what to start, and fails.
set -euo pipefail

answers() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_for() {
  local port=$1 name=$2
  for _ in $(seq 1 60); do answers "$port" && return 0; sleep 1; done
  echo "$name did not come up on 127.0.0.1:$port" >&2
  return 1
}

apt_install() {
  if [ -z "${APT_UPDATED:-}" ]; then apt-get update -qq; APT_UPDATED=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

start_postgres() {
  if ! command -v pg_ctlcluster >/dev/null; then apt_install postgresql; fi
  local version; version=$(ls /etc/postgresql | sort -V | tail -n 1)
  local hba="/etc/postgresql/$version/main/pg_hba.conf"
  # local development: trust the postgres user on loopback, as the tests expect
  if ! grep -q "encaisse-dev" "$hba"; then
    sed -i "1i host all postgres 127.0.0.1/32 trust # encaisse-dev\nhost all postgres ::1/128 trust # encaisse-dev" "$hba"
  fi
  pg_ctlcluster --skip-systemctl-redirect "$version" main start || pg_ctlcluster "$version" main restart
  wait_for 5432 PostgreSQL
}

start_rabbitmq() {
  if ! command -v rabbitmq-server >/dev/null; then apt_install rabbitmq-server; fi
  rabbitmq-server -detached
  wait_for 5672 RabbitMQ
  rabbitmqctl -q await_startup >/dev/null 2>&1 || true
}

# The tests make a vhost each: through the management API that takes milliseconds, through
# rabbitmqctl (an Erlang VM booted per call) about a second of CPU. Enabled on a local broker
# when we may; the tests fall back to rabbitmqctl otherwise.
management_api() {
  if [ -n "${ENCAISSE_AMQP_URL:-}" ] || answers 15672; then return 0; fi
  if [ "$(id -u)" = 0 ] && command -v rabbitmq-plugins >/dev/null; then
    rabbitmq-plugins -q enable --online rabbitmq_management >/dev/null 2>&1 || return 0
    for _ in $(seq 1 30); do answers 15672 && return 0; sleep 1; done
  fi
  return 0
}

need() {
  local name=$1 port=$2 env=$3 how=$4 start=$5
  if [ -n "${!env:-}" ] || answers "$port"; then return 0; fi
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "$name does not answer on 127.0.0.1:$port: installing/starting it from Debian's packages"
    "$start"
  else
    echo "$name does not answer on 127.0.0.1:$port. Start it ($how)," >&2
    echo "or set $env to a server Encaisse may use, then run make again." >&2
    exit 1
  fi
}

need PostgreSQL 5432 ENCAISSE_DATABASE_URL "pg_ctlcluster 15 main start, with trust for postgres on 127.0.0.1" start_postgres
need RabbitMQ 5672 ENCAISSE_AMQP_URL "rabbitmq-server -detached" start_rabbitmq
management_api
