"""The day run: claim customers with due tracks, decide, group, write commands, advance tracks.

Any number of scheduler instances run it at once. Each batch is one
transaction that claims up to ``batch_size`` customers whose ``next_due_at``
has come with ``SELECT ... FOR UPDATE SKIP LOCKED``: two instances never
split one customer, so grouping per customer is natural and nothing is sent
twice. Reading, advancing and writing are set-based statements over the
whole batch (arrays through ``unnest``); only the pure ``decide`` runs per
customer in Python. Commands go to the outbox in the same transaction.

One customer's decision never stops the others: a customer whose data fails
(its tenant's settings unreadable, a row a bug cannot decide) is logged,
counted in ``encaisse_scheduler_customers_held_total`` and held aside for
``HELD_FOR``, its waiting messages kept; the rest of the batch, of the tenant
and of every other tenant goes on.
"""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from prometheus_client import Counter
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from encaisse.contracts import Envelope, Money
from encaisse.contracts.scheduler import CaseEscalated, CaseResumed, TaskCreated, TaskKind
from encaisse.scheduler import commands, repo
from encaisse.scheduler.batch import Batch, RunStats, envelope, hold, write
from encaisse.scheduler.deferred import add_deferred, due_deferred
from encaisse.scheduler.domain.day import Group, decide, plans_from
from encaisse.scheduler.domain.scenarios import MESSAGE_CHANNELS, Channel, Mode, Scenario
from encaisse.scheduler.domain.windows import local_day

__all__ = ["RunStats", "run_batch", "run_due"]

log = logging.getLogger(__name__)
HELD = Counter(
    "encaisse_scheduler_customers_held_total",
    "Customers the day run could not decide (their data fails), held for a while",
    ["tenant"],
)
HELD_FOR = timedelta(hours=1)

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


@dataclass
class TenantData:
    settings: repo.TenantSettings
    scenarios: dict[str, Scenario]


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


async def run_batch(
    conn: AsyncConnection, now: datetime, limit: int, tenants: dict[str, TenantData]
) -> RunStats:
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
    deferred, invoices = await due_deferred(conn, keys, now)
    batch, decided, held = Batch(now), [], []
    for customer in claimed:
        key = (customer.tenant, customer.customer_ref)
        try:
            data = await _tenant(conn, tenants, customer.tenant)
            part = Batch(now)
            for d in deferred.get(key, []):
                add_deferred(
                    part, data.settings.notice_deadline_days, customer, d, invoices, used[key]
                )
            _one_customer(part, data, customer, due.get(key, []), used.get(key, set()))
        except Exception:
            log.exception(
                "day run: customer %s of tenant %s could not be decided; held "
                "until %s, the others go on",
                key[1],
                key[0],
                now + HELD_FOR,
            )
            HELD.labels(key[0]).inc()
            held.append(key)
            continue
        batch.absorb(part)
        decided.append(key)
    await write(conn, batch, decided)
    await hold(conn, held, now + HELD_FOR, [d for k in held for d in deferred.get(k, [])])
    batch.stats.customers = len(claimed)
    batch.stats.held = len(held)
    batch.stats.batches = 1
    return batch.stats


async def _tenant(conn: AsyncConnection, cache: dict[str, TenantData], tenant: str) -> TenantData:
    """A tenant's rules, read once per run (in a savepoint: a tenant whose rows fail
    to read leaves the batch's transaction usable for the others)."""
    if tenant not in cache:
        async with conn.begin_nested():
            cache[tenant] = TenantData(
                await repo.tenant_settings(conn, tenant),
                await repo.scenarios(conn, tenant, with_deleted=True),
            )
    return cache[tenant]


def _one_customer(
    batch: Batch, data: TenantData, customer: Any, rows: list[Any], used: set[tuple[str, Any]]
) -> None:
    tenant, ref, case_id = customer.tenant, customer.customer_ref, customer.case_id
    person = repo.customer_from_row(customer)
    tracks = [repo.track_from_row(r) for r in rows]
    today = local_day(batch.now, person.timezone)
    used_today = frozenset(Channel(c) for c, d in used if d == today)
    decision = decide(
        person, tracks, plans_from(data.scenarios), data.settings.window, batch.now, used_today
    )
    batch.tracks += [(tenant, t) for t in decision.tracks]
    by_number = {r.invoice_number: r for r in rows}
    version = customer.case_version
    for group in decision.groups:
        _group(batch, data, customer, group, [by_number[n] for n in group.invoice_numbers])
    for skipped in decision.skipped:
        batch.timeline.append(
            repo.timeline_row(
                tenant,
                ref,
                case_id,
                batch.now,
                "skipped",
                [skipped.invoice_number],
                channel=skipped.step.channel.value,
                step=skipped.step.key,
                template=skipped.step.template,
                detail=skipped.reason,
            )
        )
        batch.stats.skipped += 1
    if decision.complete_record:
        _task(
            batch,
            customer,
            TaskKind.COMPLETE_RECORD,
            today,
            [],
            None,
            note="no valid phone number or postal address for a planned step",
        )
    if decision.promises_broken:
        version += 1
        batch.broken[tenant] += decision.promises_broken
        batch.messages.append(
            envelope(
                CaseResumed(
                    tenant=tenant,
                    version=version,
                    case_id=case_id,
                    customer_ref=ref,
                    reason="promise_broken",
                    invoice_numbers=tuple(decision.promises_broken),
                ),
                case_id,
            )
        )
        batch.timeline.append(
            repo.timeline_row(
                tenant,
                ref,
                case_id,
                batch.now,
                "resumed",
                decision.promises_broken,
                detail="promise to pay broken",
            )
        )
    if decision.escalated:
        version += 1
        stake = _stake([by_number[n] for n in decision.escalated])
        batch.messages.append(
            envelope(
                CaseEscalated(
                    tenant=tenant,
                    version=version,
                    case_id=case_id,
                    customer_ref=ref,
                    invoice_numbers=tuple(decision.escalated),
                    amount_at_stake=stake,
                ),
                case_id,
            )
        )
        batch.timeline.append(
            repo.timeline_row(
                tenant,
                ref,
                case_id,
                batch.now,
                "escalated",
                decision.escalated,
                detail="end of the amicable phase: litigation",
            )
        )
        batch.stats.escalated += len(decision.escalated)
    if version != customer.case_version:
        batch.case_versions[(tenant, ref)] = version


def _group(batch: Batch, data: TenantData, customer: Any, group: Group, rows: list[Any]) -> None:
    tenant, ref, case_id = customer.tenant, customer.customer_ref, customer.case_id
    step, channel = group.step, group.channel
    key = commands.command_key(case_id, step.key, channel.value, group.day)
    entry = dict(channel=channel.value, step=step.key, template=step.template)
    if group.mode is Mode.VALIDATE:
        batch.validations.append(
            {
                "id": str(uuid.uuid4()),
                "tenant": tenant,
                "customer_ref": ref,
                "case_id": case_id,
                "channel": channel.value,
                "step": step.key,
                "offset_days": step.offset_days,
                "template": step.template,
                "scenario_code": rows[0].scenario_code,
                "invoice_numbers": list(group.invoice_numbers),
                "day": group.day,
                "created_at": batch.now,
            }
        )
        batch.timeline.append(
            repo.timeline_row(
                tenant,
                ref,
                case_id,
                batch.now,
                "pending",
                group.invoice_numbers,
                **entry,
                detail="waiting for validation",
            )
        )
        batch.stats.validations += 1
        return
    if channel in (Channel.CALL, Channel.INTERNAL_ESCALATION) or group.mode is Mode.MANUAL:
        kind = (
            TaskKind.CALL
            if channel is Channel.CALL
            else TaskKind.ESCALATION
            if channel is Channel.INTERNAL_ESCALATION
            else TaskKind.MANUAL
        )
        assignee = (
            data.settings.owner(customer.sales_rep_email) if kind is TaskKind.ESCALATION else None
        )
        task_id = _task(
            batch,
            customer,
            kind,
            group.day,
            rows,
            step.key,
            assignee=assignee,
            note=f"{step.template} ({channel.value})",
        )
        batch.timeline.append(
            repo.timeline_row(
                tenant,
                ref,
                case_id,
                batch.now,
                "task",
                group.invoice_numbers,
                **entry,
                command_key=f"task:{task_id}",
                detail=f"task {task_id}",
            )
        )
        return
    command = commands.build(
        tenant=tenant,
        channel=channel,
        step=step,
        key=key,
        case_id=case_id,
        customer=customer,
        invoices=rows,
        day=group.day,
        notice_deadline_days=data.settings.notice_deadline_days,
    )
    assert command is not None
    batch.messages.append(Envelope(payload=command, subject=case_id or ref))
    if channel in MESSAGE_CHANNELS:
        batch.channel_days.append(
            {"tenant": tenant, "customer_ref": ref, "channel": channel.value, "day": group.day}
        )
    batch.timeline.append(
        repo.timeline_row(
            tenant, ref, case_id, batch.now, "done", group.invoice_numbers, **entry, command_key=key
        )
    )
    batch.stats.commands += 1


def _stake(rows: list[Any]) -> Money:
    currency = rows[0].currency if rows else "EUR"
    return Money(
        amount=sum((r.open_balance for r in rows if r.currency == currency), 0), currency=currency
    )


def _task(
    batch: Batch,
    customer: Any,
    kind: TaskKind,
    day: Any,
    rows: list[Any],
    step: str | None,
    *,
    assignee: str | None = None,
    note: str = "",
) -> str:
    task_id = str(uuid.uuid4())
    numbers = tuple(r.invoice_number for r in rows)
    stake = _stake(rows) if rows else None
    batch.tasks.append(
        {
            "id": task_id,
            "tenant": customer.tenant,
            "customer_ref": customer.customer_ref,
            "case_id": customer.case_id,
            "kind": kind.value,
            "step": step,
            "due_on": day,
            "assignee": assignee,
            "invoice_numbers": list(numbers),
            "amount": stake.amount if stake else None,
            "currency": stake.currency if stake else None,
            "note": note,
            "created_at": batch.now,
        }
    )
    batch.task_events[task_id] = envelope(
        TaskCreated(
            tenant=customer.tenant,
            version=1,
            task_id=task_id,
            case_id=customer.case_id,
            customer_ref=customer.customer_ref,
            kind=kind,
            due_on=day,
            assignee=assignee,
            invoice_numbers=numbers,
            amount_at_stake=stake,
            note=note,
        ),
        task_id,
    )
    return task_id
