"""A tenant's rules: its settings, scenarios and profiles, seeded the first time it is seen,
and ``Tenants``, what one scheduler process keeps of them (a part of its runtime)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from time import monotonic
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from encaisse.scheduler import db
from encaisse.scheduler.domain.defaults import DEFAULT_PROFILES, DEFAULT_SCENARIOS
from encaisse.scheduler.domain.planning import TrackState
from encaisse.scheduler.domain.rules import DEFAULT_RULES, ProfileRule
from encaisse.scheduler.domain.scenarios import Profile, Scenario
from encaisse.scheduler.domain.windows import SendingWindow
from encaisse.scheduler.repository import rules as profile_rules
from encaisse.scheduler.repository.rows import (
    Conn,
    policy_from_row,
    policy_to_row,
    steps_from_json,
    steps_to_json,
    window_from_json,
    window_to_json,
)


@dataclass(frozen=True)
class TenantSettings:
    tenant: str
    country: str
    window: SendingWindow
    promise_grace_days: int
    notice_deadline_days: int
    credit_owner_email: str | None = None
    language: str = "fr"  # the debtors' language when we write no template in theirs

    def owner(self, sales_rep_email: str | None) -> str | None:
        """Who an internal escalation (a dispute, an escalation step) goes to: the customer's
        sales rep, else the tenant's credit owner."""
        return sales_rep_email or self.credit_owner_email


@dataclass(frozen=True)
class TenantRules:
    settings: TenantSettings
    scenarios: dict[str, Scenario]  # deleted ones included: their followers go on
    profiles: tuple[Profile, ...]
    rules: tuple[ProfileRule, ...] = ()  # the profile rules, in order

    def profile(self, code: str) -> Profile | None:
        return next((p for p in self.profiles if p.code == code), None)


RULES_TTL_SECONDS = 2.0


@dataclass
class Tenants:
    """What this process keeps of its tenants, bound once in the runtime's parts
    (``SchedulerParts.tenants``): which tenants are seeded, and their rules for a couple
    of seconds. A new runtime (a test's app) starts with nothing kept."""

    engine: AsyncEngine
    seeded: set[str] = field(default_factory=set)
    kept: dict[str, tuple[float, TenantRules]] = field(default_factory=dict)

    async def ensure(self, tenant: str) -> None:
        """Seed a tenant's settings, default profiles and scenarios the first time it is seen.

        The seed commits in a transaction of its own, before the caller's work: a caller
        that then fails (a 404, a retried event) rolls back only what it did, and
        ``seeded`` only ever claims a seed that is committed. (Marking it inside the
        caller's transaction once left a tenant without settings after a refused first
        request, until the process restarted.)
        """
        if tenant in self.seeded:
            return
        async with self.engine.begin() as conn:
            await seed(conn, tenant)
        self.seeded.add(tenant)

    async def rules(self, conn: Conn, tenant: str) -> TenantRules:
        """A tenant's settings, scenarios and profiles, kept ``RULES_TTL_SECONDS``.

        The bus handlers read them for every event; this instance forgets them when its
        API changes them, another instance sees the change within ``RULES_TTL_SECONDS``.
        """
        now = monotonic()  # an interval, not business time
        hit = self.kept.get(tenant)
        if hit is not None and now - hit[0] < RULES_TTL_SECONDS:
            return hit[1]
        fresh = TenantRules(
            await tenant_settings(conn, tenant),
            await scenarios(conn, tenant, with_deleted=True),
            await profiles(conn, tenant),
            await profile_rules.of_tenant(conn, tenant),
        )
        self.kept[tenant] = (now, fresh)
        return fresh

    def forget(self, tenant: str) -> None:
        """Drop what this process keeps of a tenant's rules (after an API change)."""
        self.kept.pop(tenant, None)


async def seed(conn: AsyncConnection, tenant: str) -> None:
    """A tenant's settings, default profiles and scenarios, unless it has them."""
    inserted = await conn.execute(
        pg_insert(db.tenants)
        .values(tenant=tenant, window=window_to_json(SendingWindow()))
        .on_conflict_do_nothing()
        .returning(db.tenants.c.tenant)
    )
    if inserted.first() is None:
        return  # seeded before (or by a transaction that committed while this one waited)
    await conn.execute(
        pg_insert(db.profiles)
        .values(
            [
                {
                    "tenant": tenant,
                    "code": p.code,
                    "name": p.name,
                    "scenario_code": p.scenario_code,
                    "segments": list(p.segments),
                    **policy_to_row(p.policy),
                    "changed_by": "system (defaults)",
                }
                for p in DEFAULT_PROFILES
            ]
        )
        .on_conflict_do_nothing()
    )
    await profile_rules.replace_all(conn, tenant, DEFAULT_RULES, "system (defaults)")
    await conn.execute(
        pg_insert(db.scenario_versions)
        .values(
            [
                {
                    "tenant": tenant,
                    "code": s.code,
                    "version": 1,
                    "name": s.name,
                    "steps": steps_to_json(s.steps),
                    "amicable_days": s.amicable_days,
                    "changed_by": "system (defaults)",
                    "change": "default scenario",
                }
                for s in DEFAULT_SCENARIOS
            ]
        )
        .on_conflict_do_nothing()
    )


async def tenant_settings(conn: Conn, tenant: str) -> TenantSettings:
    row = (await conn.execute(select(db.tenants).where(db.tenants.c.tenant == tenant))).one()
    return TenantSettings(
        tenant,
        row.country,
        window_from_json(row.window),
        row.promise_grace_days,
        row.notice_deadline_days,
        row.credit_owner_email,
        row.language,
    )


async def write_settings(conn: Conn, settings: TenantSettings, by: str) -> None:
    await conn.execute(
        update(db.tenants)
        .where(db.tenants.c.tenant == settings.tenant)
        .values(
            country=settings.country,
            window=window_to_json(settings.window),
            promise_grace_days=settings.promise_grace_days,
            notice_deadline_days=settings.notice_deadline_days,
            credit_owner_email=settings.credit_owner_email,
            language=settings.language,
            changed_by=by,
            changed_at=db.func.now(),
        )
    )


async def current_versions(conn: Conn, tenant: str) -> list[Any]:
    """The current version row of each scenario of a tenant (deleted ones included)."""
    v = db.scenario_versions
    return list(
        (
            await conn.execute(
                select(v)
                .where(v.c.tenant == tenant)
                .ext(distinct_on(v.c.code))
                .order_by(v.c.code, v.c.version.desc())
            )
        ).all()
    )


async def scenarios(conn: Conn, tenant: str, *, with_deleted: bool = False) -> dict[str, Scenario]:
    """The current version of each scenario of a tenant."""
    return {
        r.code: Scenario(r.code, r.name, steps_from_json(r.steps), r.amicable_days, r.version)
        for r in await current_versions(conn, tenant)
        if with_deleted or not r.deleted
    }


async def profiles(conn: Conn, tenant: str) -> tuple[Profile, ...]:
    p = db.profiles
    rows = (
        await conn.execute(select(p).where(p.c.tenant == tenant, ~p.c.deleted).order_by(p.c.code))
    ).all()
    return tuple(
        Profile(r.code, r.name, r.scenario_code, tuple(r.segments), policy_from_row(r))
        for r in rows
    )


async def nudge(conn: Conn, tenant: str, now: datetime, scenario_code: str | None = None) -> None:
    """Have the next run re-time the live tracks after a change of scenario or window.

    Their ``due_at`` becomes now: the run fires nothing that is not due under the
    new rules and plans each track's next step afresh (set-based, any number of tracks).
    """
    t, c = db.tracks, db.customers
    where = [t.c.tenant == tenant, t.c.state == TrackState.ACTIVE.value, t.c.due_at > now]
    if scenario_code is not None:
        where.append(t.c.scenario_code == scenario_code)
    await conn.execute(update(t).where(*where).values(due_at=now))
    touched = select(t.c.customer_ref).where(t.c.tenant == tenant, t.c.due_at == now)
    await conn.execute(
        update(c)
        .where(c.c.tenant == tenant, ~c.c.excluded, c.c.customer_ref.in_(touched))
        .values(next_due_at=now)
        .execution_options(synchronize_session=False)
    )
