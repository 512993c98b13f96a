#!/usr/bin/env bash
# Creates .venv with Python 3.11 and installs the pinned requirements (uv inside the venv).
set -euo pipefail
cd "$(dirname "$0")/.."

python=""
for candidate in python3.11 python3; do
  if command -v "$candidate" >/dev/null && "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
    python=$(command -v "$candidate"); break
  fi
done
if [ -z "$python" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3.11 python3.11-venv >/dev/null
    python=$(command -v python3.11)
  else
    echo "Python 3.11 is needed: install python3.11 and python3.11-venv, then run make again." >&2
    exit 1
  fi
fi

if [ ! -x .venv/bin/python ]; then
  if ! "$python" -m venv .venv 2>/dev/null; then
    rm -rf .venv
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3.11-venv >/dev/null
      "$python" -m venv .venv
    else
      echo "python3.11 -m venv failed: install python3.11-venv, then run make again." >&2
      exit 1
    fi
  fi
fi
# pip reads the machine's configuration files, whose extra local indexes may lack uv and
# make pip warn about each; uv is taken from the default index, with the environment's
# PIP_* settings (certificates, find-links) still in force.
PIP_CONFIG_FILE=/dev/null .venv/bin/python -m pip install -q --disable-pip-version-check "uv==0.13.9"
.venv/bin/uv pip install -q --python .venv/bin/python -r requirements.txt
