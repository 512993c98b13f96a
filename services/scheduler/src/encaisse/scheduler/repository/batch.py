"""What one batch of the day run reads and writes: set-based statements over the whole batch.

The day run gathers a batch's track moves, commands, events, tasks and timeline
in a ``Batch``; ``write`` turns them into a handful of statements (arrays
through ``unnest``) and stages the messages in the outbox, in the batch's
transaction.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from encaisse.bus.outbox import stage
from encaisse.contracts import Envelope, Event
from encaisse.scheduler import db
from encaisse.scheduler.domain.planning import Track
from encaisse.scheduler.repository import deferred, timeline
from encaisse.scheduler.repository.cases import refresh_cases

ADVANCE = text("""
UPDATE scheduler.tracks t SET
  state = u.state, last_offset = u.last_offset, last_step_on = u.last_step_on,
  shift_days = u.shift_days, path = u.path,
  path_anchor = u.path_anchor, due_at = u.due_at, pause_until = u.pause_until,
  paused_on = u.paused_on
FROM unnest(CAST(:tenants AS text[]), CAST(:numbers AS text[]), CAST(:states AS text[]),
            CAST(:last_offsets AS int[]), CAST(:last_step_ons AS date[]),
            CAST(:shifts AS int[]), CAST(:paths AS text[]),
            CAST(:anchors AS date[]), CAST(:due_ats AS timestamptz[]),
            CAST(:pause_untils AS date[]), CAST(:paused_ons AS date[]))
  AS u(tenant, number, state, last_offset, last_step_on, shift_days, path, path_anchor, due_at,
       pause_until, paused_on)
WHERE t.tenant = u.tenant AND t.invoice_number = u.number
""")

CASE_VERSIONS = text("""
UPDATE scheduler.customers c SET case_version = u.version
FROM unnest(CAST(:tenants AS text[]), CAST(:refs AS text[]), CAST(:versions AS int[]))
  AS u(tenant, ref, version)
WHERE c.tenant = u.tenant AND c.customer_ref = u.ref
""")

LEVELS = text("""
UPDATE scheduler.customers c SET level_offset = u.level, level_on = u.day
FROM unnest(CAST(:tenants AS text[]), CAST(:refs AS text[]), CAST(:levels AS int[]),
            CAST(:days AS date[]))
  AS u(tenant, ref, level, day)
WHERE c.tenant = u.tenant AND c.customer_ref = u.ref
""")

BROKEN_PROMISES = text("""
UPDATE scheduler.promises SET status = 'broken'
WHERE status = 'open' AND tenant = :tenant
  AND CAST(invoice_numbers AS text[]) && CAST(:numbers AS text[])
""")


@dataclass
class RunStats:
    customers: int = 0
    commands: int = 0
    tasks: int = 0
    validations: int = 0
    skipped: int = 0
    escalated: int = 0
    batches: int = 0
    held: int = 0

    def add(self, other: RunStats) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class Batch:
    """What one batch writes, gathered before the set-based statements."""

    now: datetime
    tracks: list[tuple[str, Track]] = field(default_factory=list)
    messages: list[Envelope[Any]] = field(default_factory=list)
    channel_days: list[dict[str, Any]] = field(default_factory=list)
    timeline: list[dict[str, Any]] = field(default_factory=list)
    tasks: list[dict[str, Any]] = field(default_factory=list)
    task_events: dict[str, Envelope[Any]] = field(default_factory=dict)
    validations: list[dict[str, Any]] = field(default_factory=list)
    case_versions: dict[tuple[str, str], int] = field(default_factory=dict)
    levels: dict[tuple[str, str], tuple[int | None, date]] = field(default_factory=dict)
    broken: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    stats: RunStats = field(default_factory=RunStats)

    def absorb(self, part: Batch) -> None:
        """Take in what one customer's decision gathered (decided apart, so that a
        customer whose data fails adds nothing)."""
        self.tracks += part.tracks
        self.messages += part.messages
        self.channel_days += part.channel_days
        self.timeline += part.timeline
        self.tasks += part.tasks
        self.task_events.update(part.task_events)
        self.validations += part.validations
        self.case_versions.update(part.case_versions)
        self.levels.update(part.levels)
        for tenant, numbers in part.broken.items():
            self.broken[tenant] += numbers
        self.stats.add(part.stats)


HOLD = text("""
UPDATE scheduler.customers c SET next_due_at = :until
FROM unnest(CAST(:tenants AS text[]), CAST(:refs AS text[])) AS k(tenant, ref)
WHERE c.tenant = k.tenant AND c.customer_ref = k.ref
""")


async def hold(
    conn: AsyncConnection, keys: list[tuple[str, str]], until: datetime, waiting: list[Any]
) -> None:
    """Put customers the run could not decide aside until ``until``, their waiting
    messages kept (the run had taken them off the table)."""
    if not keys:
        return
    await conn.execute(
        HOLD, {"tenants": [k[0] for k in keys], "refs": [k[1] for k in keys], "until": until}
    )
    await deferred.put_back(conn, waiting)


def envelope(event: Event, subject: str | None) -> Envelope[Any]:
    return Envelope(payload=event, subject=subject or "")


def _arrays(batch: Batch) -> dict[str, list[Any]]:
    cols: dict[str, list[Any]] = defaultdict(list)
    for tenant, t in batch.tracks:
        cols["tenants"].append(tenant)
        cols["numbers"].append(t.invoice_number)
        cols["states"].append(t.state.value)
        cols["last_offsets"].append(t.last_offset)
        cols["last_step_ons"].append(t.last_step_on)
        cols["shifts"].append(t.shift_days)
        cols["paths"].append(t.path)
        cols["anchors"].append(t.path_anchor)
        cols["due_ats"].append(t.due_at)
        cols["pause_untils"].append(t.pause_until)
        cols["paused_ons"].append(t.paused_on)
    return cols


async def write(conn: AsyncConnection, batch: Batch, keys: list[tuple[str, str]]) -> None:
    if batch.tracks:
        await conn.execute(ADVANCE, _arrays(batch))
    if batch.case_versions:
        items = list(batch.case_versions.items())
        await conn.execute(
            CASE_VERSIONS,
            {
                "tenants": [k[0] for k, _ in items],
                "refs": [k[1] for k, _ in items],
                "versions": [v for _, v in items],
            },
        )
    if batch.levels:
        levels = list(batch.levels.items())
        await conn.execute(
            LEVELS,
            {
                "tenants": [k[0] for k, _ in levels],
                "refs": [k[1] for k, _ in levels],
                "levels": [v[0] for _, v in levels],
                "days": [v[1] for _, v in levels],
            },
        )
    for tenant, numbers in batch.broken.items():
        await conn.execute(BROKEN_PROMISES, {"tenant": tenant, "numbers": numbers})
    if batch.channel_days:
        await conn.execute(pg_insert(db.channel_days).on_conflict_do_nothing(), batch.channel_days)
    for task in batch.tasks:  # few per batch; a record to complete is asked for once
        made = await conn.execute(
            pg_insert(db.tasks).values(task).on_conflict_do_nothing().returning(db.tasks.c.id)
        )
        if made.first() is not None:
            batch.messages.append(batch.task_events[task["id"]])
            batch.stats.tasks += 1
    if batch.validations:
        await conn.execute(db.validations.insert(), batch.validations)
    await timeline.add(conn, batch.timeline)
    events = await refresh_cases(conn, keys, batch.now)
    await stage(conn, db.outbox, batch.messages + [envelope(e, e.case_id) for e in events])


CLAIM = text("""
SELECT * FROM scheduler.customers
WHERE next_due_at <= :now
ORDER BY next_due_at
LIMIT :limit
FOR UPDATE SKIP LOCKED
""")

LIVE_TRACKS = text("""
SELECT t.* FROM scheduler.tracks t
JOIN unnest(CAST(:tenants AS text[]), CAST(:refs AS text[])) AS k(tenant, ref)
  ON t.tenant = k.tenant AND t.customer_ref = k.ref
WHERE t.state IN ('active', 'paused')
""")

USED_CHANNELS = text("""
SELECT d.tenant, d.customer_ref, d.channel, d.day FROM scheduler.channel_days d
JOIN unnest(CAST(:tenants AS text[]), CAST(:refs AS text[])) AS k(tenant, ref)
  ON d.tenant = k.tenant AND d.customer_ref = k.ref
WHERE d.day >= CAST(:since AS date)
""")


async def claim(conn: AsyncConnection, now: datetime, limit: int) -> list[Any]:
    """Up to ``limit`` customers whose ``next_due_at`` has come, locked (SKIP LOCKED: two
    instances never split one customer)."""
    return list((await conn.execute(CLAIM, {"now": now, "limit": limit})).all())


async def live_tracks(
    conn: AsyncConnection, keys: dict[str, list[str]]
) -> dict[tuple[str, str], list[Any]]:
    """The claimed customers' live tracks (active and paused, due or not: a statement
    lists the whole position, and a level is the customer's)."""
    live: dict[tuple[str, str], list[Any]] = defaultdict(list)
    for row in (await conn.execute(LIVE_TRACKS, keys)).all():
        live[(row.tenant, row.customer_ref)].append(row)
    return live


async def used_channels(
    conn: AsyncConnection, keys: dict[str, list[str]], since: date
) -> dict[tuple[str, str], set[tuple[str, Any]]]:
    """The (channel, day) pairs each claimed customer was reached on since ``since``."""
    used: dict[tuple[str, str], set[tuple[str, Any]]] = defaultdict(set)
    for row in (await conn.execute(USED_CHANNELS, {**keys, "since": since})).all():
        used[(row.tenant, row.customer_ref)].add((row.channel, row.day))
    return used
