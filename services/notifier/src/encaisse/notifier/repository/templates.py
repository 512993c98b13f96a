"""A tenant's own templates, over the defaults in ``encaisse/notifier/templates``."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from encaisse.notifier.db import templates


async def tenant_overrides(
    session: AsyncSession, tenant: str, name: str
) -> dict[tuple[str, str], str]:
    rows = await session.execute(
        select(templates.c.name, templates.c.language, templates.c.source).where(
            templates.c.tenant == tenant, templates.c.name == name
        )
    )
    return {(r.name, r.language): r.source for r in rows}


async def save_template(
    session: AsyncSession, tenant: str, name: str, language: str, source: str, by: str
) -> None:
    await session.execute(
        pg_insert(templates)
        .values(tenant=tenant, name=name, language=language, source=source, updated_by=by)
        .on_conflict_do_update(
            index_elements=["tenant", "name", "language"],
            set_={"source": source, "updated_by": by},
        )
    )


async def template_source(
    session: AsyncSession, tenant: str, name: str, language: str
) -> str | None:
    source: str | None = await session.scalar(
        select(templates.c.source).where(
            templates.c.tenant == tenant,
            templates.c.name == name,
            templates.c.language == language,
        )
    )
    return source


async def overridden(session: AsyncSession, tenant: str) -> list[dict[str, Any]]:
    """The tenant's templates: name and language each."""
    rows = await session.execute(
        select(templates.c.name, templates.c.language)
        .where(templates.c.tenant == tenant)
        .order_by(templates.c.name, templates.c.language)
    )
    return [{"name": r.name, "language": r.language} for r in rows]


async def delete_template(session: AsyncSession, tenant: str, name: str, language: str) -> bool:
    """Drop the tenant's template; False when it had none."""
    result = await session.execute(
        delete(templates).where(
            templates.c.tenant == tenant,
            templates.c.name == name,
            templates.c.language == language,
        )
    )
    deleted: int = result.rowcount  # type: ignore[attr-defined]  # a CursorResult for a DML
    return deleted > 0
