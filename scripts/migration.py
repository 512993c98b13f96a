"""Autogenerate an Alembic revision for a service against a scratch database.

    .venv/bin/python scripts/migration.py ledger "add invoices"

Creates a throwaway database, upgrades it to head, compares it with the
service's tables, writes ``services/<name>/migrations/versions/<NNNN>_<slug>.py``
and drops the database. Read the file before committing it.
"""

from __future__ import annotations

import asyncio
import importlib
import sys
import uuid

import asyncpg
from alembic import command

from encaisse.kit.migrations import alembic_config, upgrade

ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


async def _db(sql: str) -> None:
    conn = await asyncpg.connect(ADMIN)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def main(service: str, message: str) -> None:
    app = importlib.import_module(f"encaisse.{service}.app")
    name = f"encaisse_autogen_{uuid.uuid4().hex[:8]}"
    url = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"
    asyncio.run(_db(f'CREATE DATABASE "{name}"'))
    try:
        upgrade(app.MIGRATIONS, url)
        existing = sorted((app.MIGRATIONS / "versions").glob("[0-9]*.py"))
        rev = f"{len(existing) + 1:04d}"
        command.revision(
            alembic_config(app.MIGRATIONS, url), message=message, autogenerate=True, rev_id=rev
        )
    finally:
        asyncio.run(_db(f'DROP DATABASE "{name}" WITH (FORCE)'))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
