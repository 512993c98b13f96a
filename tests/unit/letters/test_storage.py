"""The file storage keeps each document with its SHA-256 and notices when a file was altered."""

from __future__ import annotations

import hashlib

import pytest

from encaisse.letters.storage import FileStorage, StorageError


async def test_documents_come_back_only_as_stored(tmp_path):
    storage = FileStorage(tmp_path)
    stored = await storage.put("ACME/l1/letter.pdf", b"%PDF-1.4 hello")
    assert stored.sha256 == hashlib.sha256(b"%PDF-1.4 hello").hexdigest() and stored.size == 14
    assert await storage.get("ACME/l1/letter.pdf", stored.sha256) == b"%PDF-1.4 hello"
    (tmp_path / "ACME/l1/letter.pdf").write_bytes(b"%PDF-1.4 forged")
    with pytest.raises(StorageError, match="SHA-256 differs"):
        await storage.get("ACME/l1/letter.pdf", stored.sha256)


async def test_a_key_cannot_leave_the_root(tmp_path):
    with pytest.raises(StorageError, match="leaves the storage root"):
        await FileStorage(tmp_path / "store").put("../escape.pdf", b"x")
