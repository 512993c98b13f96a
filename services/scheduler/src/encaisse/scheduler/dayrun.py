"""The day run: claim customers with due tracks, decide, group, write commands, advance tracks.

Any number of scheduler instances run it at once. Each batch is one
transaction that claims up to ``batch_size`` customers whose ``next_due_at``
has come with ``SELECT ... FOR UPDATE SKIP LOCKED``: two instances never
split one customer, so grouping per customer is natural and nothing is sent
twice. Reading, advancing and writing are set-based statements over the
whole batch (arrays through ``unnest``); only the pure ``decide`` runs per
customer in Python. Commands go to the outbox in the same transaction.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from encaisse.bus.outbox import stage
from encaisse.contracts import Envelope, Event, Money
from encaisse.contracts.scheduler import CaseEscalated, CaseResumed, TaskCreated, TaskKind
from encaisse.scheduler import commands, db, repo
from encaisse.scheduler.cases import refresh_cases
from encaisse.scheduler.domain.day import Group, decide, plans_from
from encaisse.scheduler.domain.planning import Track
from encaisse.scheduler.domain.scenarios import MESSAGE_CHANNELS, Channel, Mode, Scenario
from encaisse.scheduler.domain.windows import local_day

CLAIM = text("""
SELECT * FROM scheduler.customers
WHERE next_due_at <= :now
ORDER BY next_due_at
LIMIT :limit
FOR UPDATE SKIP LOCKED
""")

DUE_TRACKS = text("""
SELECT t.* FROM scheduler.tracks t
JOIN unnest(CAST(:tenants AS text[]), CAST(:refs AS text[])) AS k(tenant, ref)
  ON t.tenant = k.tenant AND t.customer_ref = k.ref
WHERE t.state IN ('active', 'paused') AND t.due_at <= :now
""")

USED_CHANNELS = text("""
SELECT d.tenant, d.customer_ref, d.channel, d.day FROM scheduler.channel_days d
JOIN unnest(CAST(:tenants AS text[]), CAST(:refs AS text[])) AS k(tenant, ref)
  ON d.tenant = k.tenant AND d.customer_ref = k.ref
WHERE d.day >= CAST(:since AS date)
""")

ADVANCE = text("""
UPDATE scheduler.tracks t SET
  state = u.state, last_offset = u.last_offset, shift_days = u.shift_days, path = u.path,
  path_anchor = u.path_anchor, due_at = u.due_at, pause_until = u.pause_until,
  paused_on = u.paused_on
FROM unnest(CAST(:tenants AS text[]), CAST(:numbers AS text[]), CAST(:states AS text[]),
            CAST(:last_offsets AS int[]), CAST(:shifts AS int[]), CAST(:paths AS text[]),
            CAST(:anchors AS date[]), CAST(:due_ats AS timestamptz[]),
            CAST(:pause_untils AS date[]), CAST(:paused_ons AS date[]))
  AS u(tenant, number, state, last_offset, shift_days, path, path_anchor, due_at,
       pause_until, paused_on)
WHERE t.tenant = u.tenant AND t.invoice_number = u.number
""")

CASE_VERSIONS = text("""
UPDATE scheduler.customers c SET case_version = u.version
FROM unnest(CAST(:tenants AS text[]), CAST(:refs AS text[]), CAST(:versions AS int[]))
  AS u(tenant, ref, version)
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

    def add(self, other: RunStats) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class TenantData:
    settings: repo.TenantSettings
    scenarios: dict[str, Scenario]


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
    broken: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    stats: RunStats = field(default_factory=RunStats)


async def run_due(engine: AsyncEngine, now: datetime, *, batch_size: int = 500) -> RunStats:
    """Run batches until no customer is due at ``now`` (or the rest is claimed by others)."""
    total = RunStats()
    tenants: dict[str, TenantData] = {}
    while True:
        async with engine.begin() as conn:
            stats = await run_batch(conn, now, batch_size, tenants)
        total.add(stats)
        if stats.customers < batch_size:
            return total


async def run_batch(conn: AsyncConnection, now: datetime, limit: int,
                    tenants: dict[str, TenantData]) -> RunStats:
    claimed = (await conn.execute(CLAIM, {"now": now, "limit": limit})).all()
    if not claimed:
        return RunStats()
    keys = {"tenants": [r.tenant for r in claimed], "refs": [r.customer_ref for r in claimed]}
    due: dict[tuple[str, str], list[Any]] = defaultdict(list)
    for row in (await conn.execute(DUE_TRACKS, {**keys, "now": now})).all():
        due[(row.tenant, row.customer_ref)].append(row)
    used: dict[tuple[str, str], set[tuple[str, Any]]] = defaultdict(set)
    since = (now - timedelta(days=1)).date()
    for row in (await conn.execute(USED_CHANNELS, {**keys, "since": since})).all():
        used[(row.tenant, row.customer_ref)].add((row.channel, row.day))
    batch = Batch(now)
    for customer in claimed:
        data = await _tenant(conn, tenants, customer.tenant)
        key = (customer.tenant, customer.customer_ref)
        _one_customer(batch, data, customer, due.get(key, []), used.get(key, set()))
    await _write(conn, batch, list(zip(keys["tenants"], keys["refs"], strict=True)))
    batch.stats.customers = len(claimed)
    batch.stats.batches = 1
    return batch.stats


async def _tenant(conn: AsyncConnection, cache: dict[str, TenantData], tenant: str) -> TenantData:
    if tenant not in cache:
        cache[tenant] = TenantData(await repo.tenant_settings(conn, tenant),
                                   await repo.scenarios(conn, tenant, with_deleted=True))
    return cache[tenant]


def _one_customer(batch: Batch, data: TenantData, customer: Any, rows: list[Any],
                  used: set[tuple[str, Any]]) -> None:
    tenant, ref, case_id = customer.tenant, customer.customer_ref, customer.case_id
    person = repo.customer_from_row(customer)
    tracks = [repo.track_from_row(r) for r in rows]
    today = local_day(batch.now, person.timezone)
    used_today = frozenset(Channel(c) for c, d in used if d == today)
    decision = decide(person, tracks, plans_from(data.scenarios), data.settings.window,
                      batch.now, used_today)
    batch.tracks += [(tenant, t) for t in decision.tracks]
    by_number = {r.invoice_number: r for r in rows}
    version = customer.case_version
    for group in decision.groups:
        _group(batch, data, customer, group, [by_number[n] for n in group.invoice_numbers])
    for skipped in decision.skipped:
        batch.timeline.append(repo.timeline_row(
            tenant, ref, case_id, batch.now, "skipped", [skipped.invoice_number],
            channel=skipped.step.channel.value, step=skipped.step.key,
            template=skipped.step.template, detail=skipped.reason))
        batch.stats.skipped += 1
    if decision.complete_record:
        _task(batch, customer, TaskKind.COMPLETE_RECORD, today, [], None,
              note="no valid phone number or postal address for a planned step")
    if decision.promises_broken:
        version += 1
        batch.broken[tenant] += decision.promises_broken
        batch.messages.append(_event(CaseResumed(
            tenant=tenant, version=version, case_id=case_id, customer_ref=ref,
            reason="promise_broken", invoice_numbers=tuple(decision.promises_broken)), case_id))
        batch.timeline.append(repo.timeline_row(tenant, ref, case_id, batch.now, "resumed",
                                                decision.promises_broken,
                                                detail="promise to pay broken"))
    if decision.escalated:
        version += 1
        stake = _stake([by_number[n] for n in decision.escalated])
        batch.messages.append(_event(CaseEscalated(
            tenant=tenant, version=version, case_id=case_id, customer_ref=ref,
            invoice_numbers=tuple(decision.escalated), amount_at_stake=stake), case_id))
        batch.timeline.append(repo.timeline_row(tenant, ref, case_id, batch.now, "escalated",
                                                decision.escalated,
                                                detail="end of the amicable phase: litigation"))
        batch.stats.escalated += len(decision.escalated)
    if version != customer.case_version:
        batch.case_versions[(tenant, ref)] = version


def _group(batch: Batch, data: TenantData, customer: Any, group: Group,
           rows: list[Any]) -> None:
    tenant, ref, case_id = customer.tenant, customer.customer_ref, customer.case_id
    step, channel = group.step, group.channel
    key = commands.command_key(case_id, step.key, channel.value, group.day)
    entry = dict(channel=channel.value, step=step.key, template=step.template)
    if group.mode is Mode.VALIDATE:
        batch.validations.append({
            "id": str(uuid.uuid4()), "tenant": tenant, "customer_ref": ref, "case_id": case_id,
            "channel": channel.value, "step": step.key, "offset_days": step.offset_days,
            "template": step.template, "scenario_code": rows[0].scenario_code,
            "invoice_numbers": list(group.invoice_numbers), "day": group.day,
            "created_at": batch.now})
        batch.timeline.append(repo.timeline_row(tenant, ref, case_id, batch.now, "pending",
                                                group.invoice_numbers, **entry,
                                                detail="waiting for validation"))
        batch.stats.validations += 1
        return
    if channel in (Channel.CALL, Channel.INTERNAL_ESCALATION) or group.mode is Mode.MANUAL:
        kind = (TaskKind.CALL if channel is Channel.CALL else TaskKind.ESCALATION
                if channel is Channel.INTERNAL_ESCALATION else TaskKind.MANUAL)
        assignee = customer.sales_rep_email if kind is TaskKind.ESCALATION else None
        task_id = _task(batch, customer, kind, group.day, rows, step.key, assignee=assignee,
                        note=f"{step.template} ({channel.value})")
        batch.timeline.append(repo.timeline_row(tenant, ref, case_id, batch.now, "task",
                                                group.invoice_numbers, **entry,
                                                detail=f"task {task_id}"))
        return
    command = commands.build(tenant=tenant, channel=channel, step=step, key=key, case_id=case_id,
                             customer=customer, invoices=rows, day=group.day,
                             notice_deadline_days=data.settings.notice_deadline_days)
    assert command is not None
    batch.messages.append(Envelope(payload=command, subject=case_id or ref))
    if channel in MESSAGE_CHANNELS:
        batch.channel_days.append({"tenant": tenant, "customer_ref": ref,
                                   "channel": channel.value, "day": group.day})
    batch.timeline.append(repo.timeline_row(tenant, ref, case_id, batch.now, "done",
                                            group.invoice_numbers, **entry, command_key=key))
    batch.stats.commands += 1


def _stake(rows: list[Any]) -> Money:
    currency = rows[0].currency if rows else "EUR"
    return Money(amount=sum((r.open_balance for r in rows if r.currency == currency), 0),
                 currency=currency)


def _task(batch: Batch, customer: Any, kind: TaskKind, day: Any, rows: list[Any],
          step: str | None, *, assignee: str | None = None, note: str = "") -> str:
    task_id = str(uuid.uuid4())
    numbers = tuple(r.invoice_number for r in rows)
    stake = _stake(rows) if rows else None
    batch.tasks.append({
        "id": task_id, "tenant": customer.tenant, "customer_ref": customer.customer_ref,
        "case_id": customer.case_id, "kind": kind.value, "step": step, "due_on": day,
        "assignee": assignee, "invoice_numbers": list(numbers),
        "amount": stake.amount if stake else None, "currency": stake.currency if stake else None,
        "note": note, "created_at": batch.now})
    batch.task_events[task_id] = (_event(TaskCreated(
        tenant=customer.tenant, version=1, task_id=task_id, case_id=customer.case_id,
        customer_ref=customer.customer_ref, kind=kind, due_on=day, assignee=assignee,
        invoice_numbers=numbers, amount_at_stake=stake, note=note), task_id))
    return task_id


def _event(event: Event, subject: str | None) -> Envelope[Any]:
    return Envelope(payload=event, subject=subject or "")


def _arrays(batch: Batch) -> dict[str, list[Any]]:
    cols: dict[str, list[Any]] = defaultdict(list)
    for tenant, t in batch.tracks:
        cols["tenants"].append(tenant)
        cols["numbers"].append(t.invoice_number)
        cols["states"].append(t.state.value)
        cols["last_offsets"].append(t.last_offset)
        cols["shifts"].append(t.shift_days)
        cols["paths"].append(t.path)
        cols["anchors"].append(t.path_anchor)
        cols["due_ats"].append(t.due_at)
        cols["pause_untils"].append(t.pause_until)
        cols["paused_ons"].append(t.paused_on)
    return cols


async def _write(conn: AsyncConnection, batch: Batch, keys: list[tuple[str, str]]) -> None:
    if batch.tracks:
        await conn.execute(ADVANCE, _arrays(batch))
    if batch.case_versions:
        items = list(batch.case_versions.items())
        await conn.execute(CASE_VERSIONS, {"tenants": [k[0] for k, _ in items],
                                           "refs": [k[1] for k, _ in items],
                                           "versions": [v for _, v in items]})
    for tenant, numbers in batch.broken.items():
        await conn.execute(BROKEN_PROMISES, {"tenant": tenant, "numbers": numbers})
    if batch.channel_days:
        await conn.execute(pg_insert(db.channel_days).on_conflict_do_nothing(),
                           batch.channel_days)
    for task in batch.tasks:  # few per batch; a record to complete is asked for once
        made = await conn.execute(pg_insert(db.tasks).values(task).on_conflict_do_nothing()
                                  .returning(db.tasks.c.id))
        if made.first() is not None:
            batch.messages.append(batch.task_events[task["id"]])
            batch.stats.tasks += 1
    if batch.validations:
        await conn.execute(db.validations.insert(), batch.validations)
    await repo.add_timeline(conn, batch.timeline)
    events = await refresh_cases(conn, keys, batch.now)
    await stage(conn, db.outbox, batch.messages + [_event(e, e.case_id) for e in events])
