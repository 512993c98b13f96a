"""Scenario versions: a change is a new row; the last version of a code is the scenario."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from encaisse.scheduler import db
from encaisse.scheduler.domain.scenarios import Scenario
from encaisse.scheduler.repository.rows import Conn, steps_to_json


async def versions(conn: Conn, tenant: str, code: str) -> list[Any]:
    """Every version of a scenario, the oldest first."""
    v = db.scenario_versions
    return list(
        (
            await conn.execute(
                select(v).where(v.c.tenant == tenant, v.c.code == code).order_by(v.c.version)
            )
        ).all()
    )


async def save(
    conn: Conn, tenant: str, scenario: Scenario, by: str, change: str, deleted: bool = False
) -> Any:
    """A new version of the scenario (its number the next one), returned as stored."""
    v = db.scenario_versions
    version = (
        await conn.scalar(
            select(func.max(v.c.version)).where(v.c.tenant == tenant, v.c.code == scenario.code)
        )
        or 0
    ) + 1
    return (
        await conn.execute(
            v.insert()
            .values(
                tenant=tenant,
                code=scenario.code,
                version=version,
                name=scenario.name,
                steps=steps_to_json(scenario.steps),
                amicable_days=scenario.amicable_days,
                deleted=deleted,
                changed_by=by,
                change=change,
            )
            .returning(v)
        )
    ).one()
