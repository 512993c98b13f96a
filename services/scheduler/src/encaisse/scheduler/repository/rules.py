"""A tenant's profile rules (the ordered list), and what re-choosing its customers' profiles
reads and writes."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from sqlalchemy import bindparam, delete, or_, select, update

from encaisse.scheduler import db
from encaisse.scheduler.domain.rules import ProfileRule
from encaisse.scheduler.repository.rows import LIVE, Conn, rule_from_row, rule_to_json


async def of_tenant(conn: Conn, tenant: str) -> tuple[ProfileRule, ...]:
    r = db.profile_rules
    rows = (await conn.execute(select(r).where(r.c.tenant == tenant).order_by(r.c.position))).all()
    return tuple(rule_from_row(row) for row in rows)


async def changed_by(conn: Conn, tenant: str) -> tuple[str, Any] | None:
    """Who last wrote the tenant's rules, and when (None: no rule)."""
    r = db.profile_rules
    row = (
        await conn.execute(
            select(r.c.changed_by, r.c.changed_at)
            .where(r.c.tenant == tenant)
            .order_by(r.c.changed_at.desc())
            .limit(1)
        )
    ).first()
    return None if row is None else (row.changed_by, row.changed_at)


async def replace_all(conn: Conn, tenant: str, rules: tuple[ProfileRule, ...], by: str) -> None:
    """The tenant's whole ordered list, in place of the one it had."""
    r = db.profile_rules
    await conn.execute(delete(r).where(r.c.tenant == tenant))
    if rules:
        await conn.execute(
            r.insert(),
            [
                {
                    "tenant": tenant,
                    "position": i,
                    "profile": rule.profile,
                    "scenario": rule.scenario,
                    "conditions": rule_to_json(rule),
                    "changed_by": by,
                }
                for i, rule in enumerate(rules)
            ],
        )


async def customers(conn: Conn, tenant: str) -> list[Any]:
    """Every customer of the tenant, as the rules need it."""
    c = db.customers
    return list((await conn.execute(select(c).where(c.c.tenant == tenant))).all())


async def balances(
    conn: Conn, tenant: str, customer_ref: str | None = None
) -> dict[str, dict[str, Decimal]]:
    """Customer -> currency -> the open balance of its live invoices (one currency at a time)."""
    t = db.tracks
    query = (
        select(t.c.customer_ref, t.c.currency, db.func.sum(t.c.open_balance).label("owed"))
        .where(t.c.tenant == tenant, t.c.state.in_(LIVE))
        .group_by(t.c.customer_ref, t.c.currency)
    )
    if customer_ref is not None:
        query = query.where(t.c.customer_ref == customer_ref)
    out: dict[str, dict[str, Decimal]] = defaultdict(dict)
    for row in (await conn.execute(query)).all():
        out[row.customer_ref][row.currency] = row.owed
    return out


async def set_profiles(conn: Conn, tenant: str, changes: list[dict[str, Any]]) -> None:
    """Each changed customer's profile and rule scenario (``ref``, ``to_profile``,
    ``to_scenario``)."""
    if not changes:
        return
    c = db.customers
    await conn.execute(
        update(c)
        .where(c.c.tenant == tenant, c.c.customer_ref == bindparam("ref"))
        .values(profile=bindparam("to_profile"), rule_scenario=bindparam("to_scenario"))
        .execution_options(synchronize_session=False),
        changes,
    )


async def follow(conn: Conn, tenant: str, moves: list[dict[str, Any]]) -> None:
    """Each customer's live invoices follow its scenario (``ref``, ``to_code``) from their next
    step on."""
    if not moves:
        return
    t = db.tracks
    await conn.execute(
        update(t)
        .where(
            t.c.tenant == tenant,
            t.c.customer_ref == bindparam("ref"),
            or_(*(t.c.state == state for state in LIVE)),  # no IN list in an executemany
        )
        .values(scenario_code=bindparam("to_code"))
        .execution_options(synchronize_session=False),
        moves,
    )
