"""Scratch database and vhost for benchmarks (local servers, or ENCAISSE_* URLs)."""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import quote, urlsplit, urlunsplit

import asyncpg

# benchmarks run services with their development secrets and switches
os.environ.setdefault("ENCAISSE_ENV", "development")
PG = os.environ.get("ENCAISSE_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
AMQP = os.environ.get("ENCAISSE_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")


def _plain(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


def _with_path(url: str, path: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path="/" + path))


@contextmanager
def scratch_vhost() -> Iterator[str]:
    ctl = shutil.which("rabbitmqctl")
    if ctl is None:
        raise SystemExit("benchmarks need rabbitmqctl on this machine to make a scratch vhost")
    name = f"encaisse-bench-{uuid.uuid4().hex[:8]}"
    subprocess.run([ctl, "-q", "add_vhost", name], check=True, stdout=subprocess.DEVNULL)
    user = urlsplit(AMQP).username or "guest"
    subprocess.run(
        [ctl, "-q", "set_permissions", "-p", name, user, ".*", ".*", ".*"],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    try:
        yield _with_path(AMQP, quote(name, safe=""))
    finally:
        subprocess.run([ctl, "-q", "delete_vhost", name], check=False, stdout=subprocess.DEVNULL)


class ScratchDatabase:
    """``async with ScratchDatabase() as url``: a database dropped on exit."""

    def __init__(self) -> None:
        self.name = f"encaisse_bench_{uuid.uuid4().hex[:8]}"

    async def __aenter__(self) -> str:
        conn = await asyncpg.connect(_plain(PG))
        await conn.execute(f'CREATE DATABASE "{self.name}"')
        await conn.close()
        return _with_path(_plain(PG), self.name).replace("postgresql://", "postgresql+asyncpg://")

    async def __aexit__(self, *exc: object) -> None:
        conn = await asyncpg.connect(_plain(PG))
        await conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        await conn.close()
