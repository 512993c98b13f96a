"""A PostgreSQL cluster of the test's own, on a free port, for tests that stop a database.

Never the shared server: this one lives in a scratch directory owned by the ``postgres``
system user (the server refuses to run as root) and is removed at the end.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from support.http import free_port


def _bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        raise RuntimeError(f"{name} not found: install the Debian package postgresql")
    return found[-1]


def _as_postgres(*args: str) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else list(args)


@dataclass
class OwnPostgres:
    data: Path
    port: int

    @property
    def url(self) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/postgres"

    def _ctl(self, *args: str) -> None:
        subprocess.run(
            _as_postgres(_bin("pg_ctl"), "-D", str(self.data), "-w", "-t", "60", *args),
            check=True,
            capture_output=True,
        )

    def start(self) -> None:
        self._ctl(
            "-o",
            f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1",
            "-l",
            str(self.data / "log"),
            "start",
        )

    def stop(self) -> None:
        """Stop at once (``immediate``: no checkpoint, clients cut), as an outage would."""
        self._ctl("-m", "immediate", "stop")


@contextmanager
def own_postgres() -> Iterator[OwnPostgres]:
    root = Path(tempfile.mkdtemp(prefix="encaisse-pg-"))
    data = root / "data"
    if os.geteuid() == 0:
        user = pwd.getpwnam("postgres")
        os.chown(root, user.pw_uid, user.pw_gid)
    try:
        subprocess.run(
            _as_postgres(
                _bin("initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8"
            ),
            check=True,
            capture_output=True,
        )
        server = OwnPostgres(data, free_port())
        server.start()
        try:
            yield server
        finally:
            subprocess.run(
                _as_postgres(_bin("pg_ctl"), "-D", str(data), "-m", "immediate", "stop"),
                capture_output=True,
            )
    finally:
        shutil.rmtree(root, ignore_errors=True)
