"""Finding PostgreSQL and RabbitMQ for the tests, and giving each run its own database and vhost.

Order: ``ENCAISSE_DATABASE_URL`` / ``ENCAISSE_AMQP_URL`` when set; testcontainers
when a Docker engine answers; the local servers on 127.0.0.1. When none answers
the run stops with a message that says what to start.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import uuid
from contextlib import ExitStack
from dataclasses import dataclass
from urllib.parse import quote, urlsplit, urlunsplit

import httpx

CTL_TIMEOUT = 120  # seconds; a broker that cannot make a vhost by then is in trouble

LOCAL_PG = "postgresql://postgres@127.0.0.1:5432/postgres"
LOCAL_AMQP = "amqp://guest:guest@127.0.0.1:5672/"
LOCAL_MANAGEMENT = "http://guest:guest@127.0.0.1:15672"  # enabled by scripts/ensure-servers.sh

HOW_TO_START = """\
No {what} answered for the tests. Either
  - set {env} to a server the tests may create {things} on, or
  - start a Docker engine (testcontainers will run one), or
  - start a local server: {local}
`make test` does the last one for you when run as root on Debian."""


def _answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def _docker_answers() -> bool:
    if not shutil.which("docker") and not os.environ.get("DOCKER_HOST"):
        return False
    try:
        import docker  # testcontainers' dependency

        docker.from_env(timeout=2).ping()
        return True
    except Exception:
        return False


@dataclass
class Servers:
    postgres_url: str  # an admin URL (any database) on the server
    amqp_url: str  # a broker URL on the default vhost
    management_url: str | None  # RabbitMQ HTTP API, preferred to rabbitmqctl when it answers


def find_servers(stack: ExitStack) -> Servers:
    pg = os.environ.get("ENCAISSE_DATABASE_URL")
    amqp = os.environ.get("ENCAISSE_AMQP_URL")
    management = os.environ.get("ENCAISSE_RABBITMQ_MANAGEMENT_URL")
    if (not pg or not amqp) and _docker_answers():
        from testcontainers.postgres import PostgresContainer
        from testcontainers.rabbitmq import RabbitMqContainer

        if not pg:
            container = stack.enter_context(PostgresContainer("postgres:16", driver=None))
            pg = container.get_connection_url()
        if not amqp:
            rabbit = stack.enter_context(
                RabbitMqContainer("rabbitmq:3.13-management").with_exposed_ports(5672, 15672)
            )
            host, port = rabbit.get_container_host_ip(), rabbit.get_exposed_port(5672)
            amqp = f"amqp://guest:guest@{host}:{port}/"
            management = f"http://guest:guest@{host}:{rabbit.get_exposed_port(15672)}"
    if not pg:
        if not _answers("127.0.0.1", 5432):
            raise RuntimeError(
                HOW_TO_START.format(
                    what="PostgreSQL",
                    env="ENCAISSE_DATABASE_URL",
                    things="databases",
                    local="pg_ctlcluster 15 main start  (Debian package postgresql)",
                )
            )
        pg = LOCAL_PG
    if not amqp:
        if not _answers("127.0.0.1", 5672):
            raise RuntimeError(
                HOW_TO_START.format(
                    what="RabbitMQ",
                    env="ENCAISSE_AMQP_URL",
                    things="vhosts",
                    local="rabbitmq-server -detached  (Debian package rabbitmq-server)",
                )
            )
        amqp = LOCAL_AMQP
        if management is None and _answers("127.0.0.1", 15672):
            # the HTTP API makes a vhost in milliseconds; rabbitmqctl boots a VM per call
            management = LOCAL_MANAGEMENT
    return Servers(pg, amqp, management)


def with_database(url: str, database: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + database))


def asyncpg_url(url: str) -> str:
    for prefix in ("postgresql+asyncpg://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix) :]
    return url


def with_vhost(url: str, vhost: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + quote(vhost, safe="")))


class Vhosts:
    """Creates and deletes vhosts, with the local rabbitmqctl or the management API."""

    def __init__(self, servers: Servers) -> None:
        self._servers = servers
        self._user = urlsplit(servers.amqp_url).username or "guest"
        host = urlsplit(servers.amqp_url).hostname
        self._ctl = (
            shutil.which("rabbitmqctl")
            if servers.management_url is None and host in ("127.0.0.1", "localhost")
            else None
        )
        if self._ctl is None and servers.management_url is None:
            parts = urlsplit(servers.amqp_url)
            self._servers.management_url = (
                f"http://{parts.username or 'guest'}:{parts.password or 'guest'}@{host}:15672"
            )

    def create(self) -> tuple[str, str]:
        name = f"encaisse-test-{uuid.uuid4().hex[:12]}"
        if self._ctl:
            subprocess.run(
                [self._ctl, "-q", "add_vhost", name],
                check=True,
                stdout=subprocess.DEVNULL,
                timeout=CTL_TIMEOUT,
            )
            subprocess.run(
                [self._ctl, "-q", "set_permissions", "-p", name, self._user, ".*", ".*", ".*"],
                check=True,
                stdout=subprocess.DEVNULL,
                timeout=CTL_TIMEOUT,
            )
        else:
            api = self._servers.management_url
            vhost = quote(name, safe="")
            httpx.put(f"{api}/api/vhosts/{vhost}").raise_for_status()
            httpx.put(
                f"{api}/api/permissions/{vhost}/{self._user}",
                json={"configure": ".*", "write": ".*", "read": ".*"},
            ).raise_for_status()
        return name, with_vhost(self._servers.amqp_url, name)

    def delete(self, name: str) -> None:
        if self._ctl:
            # a slow broker must not fail the test that is over; the vhost stays
            with contextlib.suppress(subprocess.TimeoutExpired):
                subprocess.run(
                    [self._ctl, "-q", "delete_vhost", name],
                    check=False,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    timeout=CTL_TIMEOUT,
                )
        else:
            httpx.delete(f"{self._servers.management_url}/api/vhosts/{quote(name, safe='')}")
