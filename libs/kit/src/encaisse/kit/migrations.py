"""Alembic, one schema per service.

A service's ``migrations/env.py`` is two lines::

    from encaisse.kit.migrations import run_env
    from encaisse.ledger.db import metadata
    run_env(metadata)

and ``upgrade(migrations_dir, database_url)`` applies them from code (the
service's ``migrate`` command, ``make run``, the tests).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData, pool, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine


def alembic_config(migrations_dir: Path, database_url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir))
    cfg.set_main_option("path_separator", "os")
    cfg.attributes["database_url"] = database_url
    return cfg


def upgrade(migrations_dir: Path, database_url: str, revision: str = "head") -> None:
    """Run the migrations (blocking: call through ``asyncio.to_thread`` from async code)."""
    command.upgrade(alembic_config(migrations_dir, database_url), revision)


def _configure(connection: Connection, metadata: MetaData) -> None:
    schema = metadata.schema
    connection.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
    context.configure(
        connection=connection,
        target_metadata=metadata,
        version_table_schema=schema,
        include_schemas=True,
        include_name=lambda name, type_, parent: type_ != "schema" or name == schema,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_online(metadata: MetaData, url: str) -> None:
    engine = create_async_engine(url, poolclass=pool.NullPool)
    async with engine.begin() as conn:
        await conn.run_sync(_configure, metadata)
    await engine.dispose()


def run_env(metadata: MetaData) -> None:
    """The body of every service's ``env.py``."""
    url = context.config.attributes.get("database_url") or context.config.get_main_option(
        "sqlalchemy.url"
    )
    if url is None:
        from encaisse.kit.settings import ServiceSettings

        url = ServiceSettings().database_url
    asyncio.run(_run_online(metadata, url))
