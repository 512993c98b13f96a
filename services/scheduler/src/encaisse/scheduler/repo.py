"""Reading and writing the scheduler's rows as domain objects."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, time
from time import monotonic as time_monotonic
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from encaisse.scheduler import db
from encaisse.scheduler.domain.contacts import Customer
from encaisse.scheduler.domain.planning import Track, TrackState
from encaisse.scheduler.domain.scenarios import (
    DEFAULT_PROFILES,
    DEFAULT_SCENARIOS,
    Channel,
    Mode,
    Profile,
    Scenario,
    Step,
)
from encaisse.scheduler.domain.windows import SendingWindow

Db = AsyncSession | AsyncConnection
Key = tuple[str, str]  # (tenant, customer_ref)
LIVE = (TrackState.ACTIVE.value, TrackState.PAUSED.value)


@dataclass(frozen=True)
class TenantSettings:
    tenant: str
    country: str
    window: SendingWindow
    promise_grace_days: int
    notice_deadline_days: int
    credit_owner_email: str | None = None

    def owner(self, sales_rep_email: str | None) -> str | None:
        """Who an internal escalation (a dispute, an escalation step) goes to: the customer's
        sales rep, else the tenant's credit owner."""
        return sales_rep_email or self.credit_owner_email


def window_to_json(window: SendingWindow) -> dict[str, Any]:
    return {
        "weekdays": sorted(window.weekdays),
        "start": window.start.isoformat("minutes"),
        "end": window.end.isoformat("minutes"),
        "skip_holidays": window.skip_holidays,
    }


def window_from_json(data: dict[str, Any]) -> SendingWindow:
    return SendingWindow(
        frozenset(data["weekdays"]),
        time.fromisoformat(data["start"]),
        time.fromisoformat(data["end"]),
        bool(data["skip_holidays"]),
    )


def steps_to_json(steps: Iterable[Step]) -> list[dict[str, Any]]:
    return [
        {
            "offset_days": s.offset_days,
            "channel": s.channel.value,
            "template": s.template,
            "mode": s.mode.value,
            "enabled": s.enabled,
            "cc_sales_rep": s.cc_sales_rep,
        }
        for s in steps
    ]


def steps_from_json(data: list[dict[str, Any]]) -> tuple[Step, ...]:
    return tuple(
        Step(
            d["offset_days"],
            Channel(d["channel"]),
            d["template"],
            Mode(d["mode"]),
            d["enabled"],
            d["cc_sales_rep"],
        )
        for d in data
    )


_seeded: set[tuple[int, str]] = set()


async def ensure_tenant(db_: Db, tenant: str) -> None:
    """Seed a tenant's settings, default profiles and scenarios the first time it is seen.

    The seed commits in a transaction of its own, before the caller's work: a caller
    that then fails (a 404, a retried event) rolls back only what it did, and the
    process-wide marker below only ever claims a seed that is committed. (Marking it
    inside the caller's transaction once left a tenant without settings after a
    refused first request, until the process restarted.)
    """
    engine = db_.bind if isinstance(db_, AsyncSession) else db_.engine
    if not isinstance(engine, AsyncEngine):
        raise TypeError("ensure_tenant needs a session or connection of an engine")
    marker = (id(engine), tenant)
    if marker in _seeded:
        return
    async with engine.begin() as conn:
        await _seed(conn, tenant)
    _seeded.add(marker)


async def _seed(conn: AsyncConnection, tenant: str) -> None:
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
                    "changed_by": "system (defaults)",
                }
                for p in DEFAULT_PROFILES
            ]
        )
        .on_conflict_do_nothing()
    )
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


async def tenant_settings(db_: Db, tenant: str) -> TenantSettings:
    row = (await db_.execute(select(db.tenants).where(db.tenants.c.tenant == tenant))).one()
    return TenantSettings(
        tenant,
        row.country,
        window_from_json(row.window),
        row.promise_grace_days,
        row.notice_deadline_days,
        row.credit_owner_email,
    )


async def scenarios(db_: Db, tenant: str, *, with_deleted: bool = False) -> dict[str, Scenario]:
    """The current version of each scenario of a tenant."""
    v = db.scenario_versions
    rows = (
        await db_.execute(
            select(v)
            .where(v.c.tenant == tenant)
            .ext(distinct_on(v.c.code))
            .order_by(v.c.code, v.c.version.desc())
        )
    ).all()
    return {
        r.code: Scenario(r.code, r.name, steps_from_json(r.steps), r.amicable_days, r.version)
        for r in rows
        if with_deleted or not r.deleted
    }


async def profiles(db_: Db, tenant: str) -> tuple[Profile, ...]:
    p = db.profiles
    rows = (
        await db_.execute(select(p).where(p.c.tenant == tenant, ~p.c.deleted).order_by(p.c.code))
    ).all()
    return tuple(Profile(r.code, r.name, r.scenario_code, tuple(r.segments)) for r in rows)


def customer_from_row(row: Any) -> Customer:
    return Customer(
        customer_ref=row.customer_ref,
        name=row.name,
        language=row.language,
        timezone=row.timezone,
        country=row.country,
        segment=row.segment,
        email=row.email,
        email_ok=row.email_ok,
        phone=row.phone,
        phone_ok=row.phone_ok,
        has_address=row.address is not None,
        address_ok=row.address_ok,
        sales_rep_email=row.sales_rep_email,
        excluded=row.excluded,
    )


def track_from_row(row: Any) -> Track:
    return Track(
        invoice_number=row.invoice_number,
        customer_ref=row.customer_ref,
        due_date=row.due_date,
        open_balance=row.open_balance,
        scenario_code=row.scenario_code,
        state=TrackState(row.state),
        last_offset=row.last_offset,
        shift_days=row.shift_days,
        path=row.path,
        path_anchor=row.path_anchor,
        due_at=row.due_at,
        pause_until=row.pause_until,
        paused_on=row.paused_on,
        excluded=row.excluded,
    )


TRACK_FIELDS = (
    "state",
    "last_offset",
    "shift_days",
    "path",
    "path_anchor",
    "due_at",
    "pause_until",
    "paused_on",
    "scenario_code",
)


def track_values(track: Track) -> dict[str, Any]:
    values = {f: getattr(track, f) for f in TRACK_FIELDS}
    values["state"] = track.state.value
    values["open_balance"] = track.open_balance
    return values


async def save_track(db_: Db, tenant: str, track: Track) -> None:
    t = db.tracks
    await db_.execute(
        update(t)
        .where(t.c.tenant == tenant, t.c.invoice_number == track.invoice_number)
        .values(**track_values(track))
    )


async def lock_customer(db_: Db, tenant: str, customer_ref: str) -> Any:
    """The customer's row, locked for this transaction (a placeholder if the ledger's is late)."""
    c = db.customers
    await db_.execute(
        pg_insert(c)
        .values(tenant=tenant, customer_ref=customer_ref, name=customer_ref)
        .on_conflict_do_nothing()
    )
    return (
        await db_.execute(
            select(c)
            .where(c.c.tenant == tenant, c.c.customer_ref == customer_ref)
            .with_for_update()
        )
    ).one()


async def customer_tracks(
    db_: Db, tenant: str, customer_ref: str, numbers: Sequence[str] | None = None
) -> list[Any]:
    t = db.tracks
    query = select(t).where(t.c.tenant == tenant, t.c.customer_ref == customer_ref)
    if numbers is not None:
        query = query.where(t.c.invoice_number.in_(list(numbers)))
    return list((await db_.execute(query.order_by(t.c.invoice_number))).all())


async def add_timeline(db_: Db, rows: list[dict[str, Any]]) -> None:
    if rows:
        await db_.execute(db.timeline.insert(), rows)


def timeline_row(
    tenant: str,
    customer_ref: str,
    case_id: str | None,
    at: datetime,
    kind: str,
    invoices: Iterable[str],
    **extra: Any,
) -> dict[str, Any]:
    row = {
        "tenant": tenant,
        "customer_ref": customer_ref,
        "case_id": case_id,
        "at": at,
        "kind": kind,
        "invoice_numbers": list(invoices),
        "channel": None,
        "step": None,
        "template": None,
        "command_key": None,
        "detail": "",
    }
    row.update(extra)
    return row


async def nudge(db_: Db, tenant: str, now: datetime, scenario_code: str | None = None) -> None:
    """Have the next run re-time the live tracks after a change of scenario or window.

    Their ``due_at`` becomes now: the run fires nothing that is not due under the
    new rules and plans each track's next step afresh (set-based, any number of tracks).
    """
    t, c = db.tracks, db.customers
    where = [t.c.tenant == tenant, t.c.state == TrackState.ACTIVE.value, t.c.due_at > now]
    if scenario_code is not None:
        where.append(t.c.scenario_code == scenario_code)
    await db_.execute(update(t).where(*where).values(due_at=now))
    touched = select(t.c.customer_ref).where(t.c.tenant == tenant, t.c.due_at == now)
    await db_.execute(
        update(c)
        .where(c.c.tenant == tenant, ~c.c.excluded, c.c.customer_ref.in_(touched))
        .values(next_due_at=now)
        .execution_options(synchronize_session=False)
    )


@dataclass(frozen=True)
class TenantRules:
    settings: TenantSettings
    scenarios: dict[str, Scenario]  # deleted ones included: their followers go on
    profiles: tuple[Profile, ...]


RULES_TTL_SECONDS = 2.0
_rules: dict[tuple[int, str], tuple[float, TenantRules]] = {}


async def rules(db_: Db, tenant: str) -> TenantRules:
    """A tenant's settings, scenarios and profiles, kept a couple of seconds per process.

    The bus handlers read them for every event; this instance forgets them when its
    API changes them, another instance sees the change within ``RULES_TTL_SECONDS``.
    """
    key = (id(db_.bind if isinstance(db_, AsyncSession) else db_.engine), tenant)
    now = time_monotonic()
    hit = _rules.get(key)
    if hit is not None and now - hit[0] < RULES_TTL_SECONDS:
        return hit[1]
    fresh = TenantRules(
        await tenant_settings(db_, tenant),
        await scenarios(db_, tenant, with_deleted=True),
        await profiles(db_, tenant),
    )
    _rules[key] = (now, fresh)
    return fresh


def forget(tenant: str) -> None:
    """Drop what this process keeps of a tenant's rules (after an API change)."""
    for key in [k for k in _rules if k[1] == tenant]:
        del _rules[key]
