"""Where PDFs and proofs are kept: a small interface, files on disk in development.

Every document is stored with its SHA-256, computed here and kept in the
database, so a copy altered on disk is detected when it is read back. An
S3-compatible store implements the same three methods.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol


class StorageError(RuntimeError):
    pass


@dataclass(frozen=True)
class Stored:
    key: str
    sha256: str
    size: int


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Storage(Protocol):
    async def put(self, key: str, data: bytes) -> Stored: ...

    async def get(self, key: str, expected_sha256: str) -> bytes: ...

    async def exists(self, key: str) -> bool: ...


class FileStorage:
    """Documents as files under a root directory; written atomically (temporary file, rename)."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if not path.is_relative_to(self.root):
            raise StorageError(f"key {key!r} leaves the storage root")
        return path

    async def put(self, key: str, data: bytes) -> Stored:
        await asyncio.to_thread(self._write, self._path(key), data)
        return Stored(key, sha256(data), len(data))

    @staticmethod
    def _write(path: Path, data: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(path.name + ".part")
        with temporary.open("wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        temporary.replace(path)

    async def get(self, key: str, expected_sha256: str) -> bytes:
        data = await asyncio.to_thread(self._path(key).read_bytes)
        if sha256(data) != expected_sha256:
            raise StorageError(f"{key}: SHA-256 differs from the one recorded")
        return data

    async def exists(self, key: str) -> bool:
        return self._path(key).exists()
