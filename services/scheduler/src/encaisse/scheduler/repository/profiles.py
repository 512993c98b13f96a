"""Profiles: which scenario a kind of customer follows."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert

from encaisse.scheduler import db
from encaisse.scheduler.domain.scenarios import Policy
from encaisse.scheduler.repository.rows import LIVE, Conn, policy_to_row


async def listed(conn: Conn, tenant: str) -> list[Any]:
    p = db.profiles
    return list(
        (
            await conn.execute(
                select(p).where(p.c.tenant == tenant, ~p.c.deleted).order_by(p.c.code)
            )
        ).all()
    )


async def one(conn: Conn, tenant: str, code: str) -> Any:
    """The profile's row, or None."""
    p = db.profiles
    return (
        await conn.execute(select(p).where(p.c.tenant == tenant, p.c.code == code, ~p.c.deleted))
    ).first()


async def create(
    conn: Conn,
    tenant: str,
    code: str,
    name: str,
    scenario_code: str,
    segments: list[str],
    by: str,
    policy: Policy | None = None,
) -> Any:
    """A new profile (or a deleted one back), returned; None when it exists already."""
    p = db.profiles
    stmt = pg_insert(p).values(
        tenant=tenant,
        code=code,
        name=name,
        scenario_code=scenario_code,
        segments=segments,
        changed_by=by,
        **policy_to_row(policy or Policy()),
    )
    return (
        await conn.execute(
            stmt.on_conflict_do_update(
                index_elements=["tenant", "code"],
                where=p.c.deleted,
                set_={
                    "deleted": False,
                    "name": stmt.excluded.name,
                    "version": p.c.version + 1,
                    "scenario_code": stmt.excluded.scenario_code,
                    "segments": stmt.excluded.segments,
                    **{k: stmt.excluded[k] for k in policy_to_row(Policy())},
                    "changed_by": by,
                },
            ).returning(p)
        )
    ).first()


async def change(
    conn: Conn,
    tenant: str,
    code: str,
    name: str,
    scenario_code: str,
    segments: list[str],
    by: str,
    policy: Policy | None = None,
) -> Any:
    """The profile's next version, returned (None: no such profile; no ``policy``: the one
    it had); its customers' live invoices follow the new scenario, except those following
    a scenario of their own or their rule's."""
    p = db.profiles
    row = (
        await conn.execute(
            update(p)
            .where(p.c.tenant == tenant, p.c.code == code, ~p.c.deleted)
            .values(
                name=name,
                scenario_code=scenario_code,
                segments=segments,
                **(policy_to_row(policy) if policy is not None else {}),
                version=p.c.version + 1,
                changed_by=by,
                changed_at=db.func.now(),
            )
            .returning(p)
        )
    ).first()
    if row is None:
        return None
    t, c = db.tracks, db.customers
    await conn.execute(
        update(t)
        .where(
            t.c.tenant == tenant,
            t.c.state.in_(LIVE),
            t.c.customer_ref.in_(
                select(c.c.customer_ref).where(
                    c.c.tenant == tenant,
                    c.c.profile == code,
                    c.c.own_scenario.is_(None),
                    c.c.rule_scenario.is_(None),
                )
            ),
        )
        .values(scenario_code=scenario_code)
    )
    return row


async def customers_with(conn: Conn, tenant: str, code: str) -> int:
    c = db.customers
    return (
        await conn.scalar(select(db.func.count()).where(c.c.tenant == tenant, c.c.profile == code))
        or 0
    )


async def delete(conn: Conn, tenant: str, code: str, by: str) -> bool:
    """Mark the profile deleted; False when there is none."""
    p = db.profiles
    done = await conn.execute(
        update(p)
        .where(p.c.tenant == tenant, p.c.code == code, ~p.c.deleted)
        .values(deleted=True, version=p.c.version + 1, changed_by=by)
    )
    return bool(done.rowcount)  # type: ignore[attr-defined]  # a CursorResult for a DML
