"""Acts on a customer's case shared by the API and the bus handlers.

Each runs inside the caller's unit of work, holding the customer's row lock
(the same lock the day run claims), and publishes through the outbox.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert

from encaisse.bus.uow import UnitOfWork
from encaisse.contracts import Money
from encaisse.contracts.scheduler import CasePaused, CaseResumed, PauseReason, TaskCreated, TaskKind
from encaisse.kit.failures import Conflict, DomainError, NotFound
from encaisse.scheduler import commands, db, repo
from encaisse.scheduler.cases import bump_case, refresh_cases
from encaisse.scheduler.domain.contacts import Customer
from encaisse.scheduler.domain.day import customer_slot, plans_from
from encaisse.scheduler.domain.planning import (
    TrackState,
    pause_for_dispute,
    pause_for_promise,
    plan_next,
    resume_after_dispute,
)
from encaisse.scheduler.domain.scenarios import MESSAGE_CHANNELS, Channel
from encaisse.scheduler.domain.windows import local_day, next_open_slot


class Context:
    """The customer a change is about, locked, with what planning needs."""

    def __init__(
        self, uow: UnitOfWork, tenant: str, row: Any, settings: repo.TenantSettings, now: datetime
    ) -> None:
        self.uow, self.tenant, self.row, self.settings, self.now = uow, tenant, row, settings, now
        self.customer: Customer = repo.customer_from_row(row)
        self.slot = customer_slot(self.customer, settings.window)
        self.today: date = local_day(now, self.customer.timezone)

    @property
    def ref(self) -> str:
        return self.row.customer_ref

    def timeline(self, kind: str, invoices: Any, **extra: Any) -> dict[str, Any]:
        return repo.timeline_row(
            self.tenant, self.ref, self.row.case_id, self.now, kind, invoices, **extra
        )

    async def case_event(self, event_class: type, **fields: Any) -> None:
        case_id, version = await bump_case(self.uow.session, self.tenant, self.ref)
        if case_id is None:
            return
        await self.uow.publish(
            event_class(
                tenant=self.tenant,
                version=version,
                case_id=case_id,
                customer_ref=self.ref,
                **fields,
            ),
            case_id,
        )

    async def refresh(self) -> None:
        for event in await refresh_cases(self.uow.session, [(self.tenant, self.ref)], self.now):
            await self.uow.publish(event, event.case_id)


async def replan(ctx: Context) -> None:
    """Plan the next step of the customer's active tracks again (its profile changed)."""
    plans = plans_from((await repo.rules(ctx.uow.session, ctx.tenant)).scenarios)
    for row in await repo.customer_tracks(ctx.uow.session, ctx.tenant, ctx.ref):
        track = repo.track_from_row(row)
        if track.state is TrackState.ACTIVE:
            await repo.save_track(
                ctx.uow.session, ctx.tenant, plan_next(track, plans(track), ctx.slot)
            )


async def context(uow: UnitOfWork, tenant: str, customer_ref: str, now: datetime) -> Context:
    await repo.ensure_tenant(uow.session, tenant)
    row = await repo.lock_customer(uow.session, tenant, customer_ref)
    return Context(uow, tenant, row, (await repo.rules(uow.session, tenant)).settings, now)


async def send(
    ctx: Context,
    channel: Channel,
    template: str,
    rows: list[Any],
    key: str,
    step: str,
    extra: dict[str, str] | None = None,
    *,
    in_window: bool = False,
) -> bool:
    """Send one message outside the scenario (thank-you, acknowledgment, re-routed step).

    The key names the act: an event replayed under another message id sends nothing more.
    An excluded customer, or invoices excluded from automation, get nothing.
    ``in_window``: outside the tenant's sending window (the customer's time zone and
    holidays) the message waits in ``deferred`` for the first open slot; the day run
    sends it then.
    """
    rows = [r for r in rows if not r.excluded]
    if ctx.customer.excluded or not rows:
        return False
    t = db.timeline
    if await ctx.uow.session.scalar(
        select(t.c.id)
        .where(t.c.tenant == ctx.tenant, t.c.command_key == key, t.c.kind.in_(("done", "deferred")))
        .limit(1)
    ):
        return False
    numbers = [r.invoice_number for r in rows]
    entry = dict(channel=channel.value, step=step, template=template, command_key=key)
    slot = next_open_slot(ctx.now, ctx.settings.window, ctx.customer.timezone, ctx.customer.country)
    if in_window and slot > ctx.now:
        await defer(
            ctx, channel, template, rows, key, step, slot, extra, why="outside the sending window"
        )
        return True
    command = commands.outside_scenario(
        tenant=ctx.tenant,
        channel=channel,
        template=template,
        step=step,
        key=key,
        case_id=ctx.row.case_id,
        customer=ctx.row,
        invoices=rows,
        day=ctx.today,
        notice_deadline_days=ctx.settings.notice_deadline_days,
        context=extra,
    )
    if command is None:
        return False
    await ctx.uow.publish(command, ctx.row.case_id or ctx.ref)
    if channel in MESSAGE_CHANNELS:
        await ctx.uow.session.execute(
            pg_insert(db.channel_days)
            .values(tenant=ctx.tenant, customer_ref=ctx.ref, channel=channel.value, day=ctx.today)
            .on_conflict_do_nothing()
        )
    await repo.add_timeline(ctx.uow.session, [ctx.timeline("done", numbers, **entry)])
    return True


async def create_task(
    ctx: Context,
    kind: TaskKind,
    invoices: list[Any],
    *,
    note: str,
    assignee: str | None = None,
    step: str | None = None,
) -> str | None:
    """A task for someone; a record to complete or a contact to fix is asked for once."""
    task_id = str(uuid.uuid4())
    amount = sum((r.open_balance for r in invoices), Decimal(0)) if invoices else None
    currency = invoices[0].currency if invoices else None
    made = await ctx.uow.session.execute(
        pg_insert(db.tasks)
        .values(
            id=task_id,
            tenant=ctx.tenant,
            customer_ref=ctx.ref,
            case_id=ctx.row.case_id,
            kind=kind.value,
            step=step,
            due_on=ctx.today,
            assignee=assignee,
            invoice_numbers=[r.invoice_number for r in invoices],
            amount=amount,
            currency=currency,
            note=note,
            created_at=ctx.now,
        )
        .on_conflict_do_nothing()
        .returning(db.tasks.c.id)
    )
    if made.first() is None:
        return None
    await ctx.uow.publish(
        TaskCreated(
            tenant=ctx.tenant,
            version=1,
            task_id=task_id,
            case_id=ctx.row.case_id,
            customer_ref=ctx.ref,
            kind=kind,
            due_on=ctx.today,
            assignee=assignee,
            invoice_numbers=tuple(r.invoice_number for r in invoices),
            amount_at_stake=Money(amount=amount, currency=currency) if amount is not None else None,
            note=note,
        ),
        task_id,
    )
    await repo.add_timeline(
        ctx.uow.session,
        [
            ctx.timeline(
                "task",
                [r.invoice_number for r in invoices],
                step=step,
                command_key=f"task:{task_id}",
                channel=Channel.CALL.value if kind is TaskKind.CALL else None,
                detail=f"{kind.value}: {note}",
            )
        ],
    )
    return task_id


async def open_dispute(
    ctx: Context,
    invoice_number: str,
    reason: str,
    message: str,
    *,
    source: str,
    by: str,
    dispute_id: str | None = None,
) -> str:
    """Client-facing steps pause; the sales rep (or owner) gets the problem; the debtor an ack."""
    rows = await repo.customer_tracks(ctx.uow.session, ctx.tenant, ctx.ref, [invoice_number])
    if not rows and source == "api":
        raise NotFound("invoice_number", f"no invoice {invoice_number} for this customer")
    dispute_id = dispute_id or str(uuid.uuid4())
    await ctx.uow.session.execute(
        pg_insert(db.disputes)
        .values(
            id=dispute_id,
            tenant=ctx.tenant,
            customer_ref=ctx.ref,
            invoice_number=invoice_number,
            reason=reason,
            message=message,
            source=source,
            opened_at=ctx.now,
            opened_by=by,
        )
        .on_conflict_do_nothing()
    )
    live = [r for r in rows if r.state in repo.LIVE]
    if live:
        track = repo.track_from_row(live[0])
        if track.state is TrackState.ACTIVE or track.pause_until is not None:
            await repo.save_track(ctx.uow.session, ctx.tenant, pause_for_dispute(track, ctx.today))
        await ctx.case_event(
            CasePaused, reason=PauseReason.DISPUTE, invoice_numbers=(invoice_number,)
        )
        await repo.add_timeline(
            ctx.uow.session,
            [
                ctx.timeline(
                    "paused",
                    [invoice_number],
                    detail=f"dispute {dispute_id}: {reason} {message}".strip(),
                )
            ],
        )
        await create_task(
            ctx,
            TaskKind.DISPUTE,
            live,
            assignee=ctx.settings.owner(ctx.row.sales_rep_email),
            note=f"dispute ({reason}): {message}".strip(),
        )
        if ctx.customer.reachable_by_email:
            await send(
                ctx,
                Channel.EMAIL,
                "dispute_acknowledged",
                live,
                f"{ctx.row.case_id}:dispute:{dispute_id}",
                "dispute_acknowledged",
            )
    await ctx.refresh()
    return dispute_id


async def resolve_dispute(ctx: Context, dispute: Any, resolution: str, by: str) -> None:
    """The scenario resumes: remaining steps move by the days spent in dispute."""
    if dispute.status != "open":
        raise Conflict("dispute_id", "this dispute is already resolved")
    d = db.disputes
    await ctx.uow.session.execute(
        update(d)
        .where(d.c.id == dispute.id)
        .values(status="resolved", resolved_at=ctx.now, resolved_by=by, resolution=resolution)
    )
    still_open = await ctx.uow.session.scalar(
        select(d.c.id)
        .where(
            d.c.tenant == ctx.tenant,
            d.c.invoice_number == dispute.invoice_number,
            d.c.status == "open",
        )
        .limit(1)
    )
    rows = await repo.customer_tracks(
        ctx.uow.session, ctx.tenant, ctx.ref, [dispute.invoice_number]
    )
    if rows and rows[0].state == TrackState.PAUSED.value and still_open is None:
        track = repo.track_from_row(rows[0])
        scenarios = await repo.scenarios(ctx.uow.session, ctx.tenant, with_deleted=True)
        resumed = resume_after_dispute(track, plans_from(scenarios)(track), ctx.today, ctx.slot)
        await repo.save_track(ctx.uow.session, ctx.tenant, resumed)
        await ctx.case_event(
            CaseResumed, reason="dispute_resolved", invoice_numbers=(dispute.invoice_number,)
        )
        await repo.add_timeline(
            ctx.uow.session,
            [
                ctx.timeline(
                    "resumed",
                    [dispute.invoice_number],
                    detail=f"dispute resolved: {resolution}; remaining steps moved by "
                    f"{resumed.shift_days - track.shift_days} days",
                )
            ],
        )
    await ctx.refresh()


async def make_promise(
    ctx: Context,
    invoice_numbers: tuple[str, ...],
    promised: date,
    amount: Any,
    *,
    source: str,
    by: str,
    promise_id: str | None = None,
) -> str:
    """Pause until the promised date plus the grace; confirm it to the debtor."""
    if promised < ctx.today and source != "portal":
        raise DomainError("promised_date", "a promise to pay cannot be in the past")
    rows = await repo.customer_tracks(ctx.uow.session, ctx.tenant, ctx.ref, invoice_numbers)
    known = {r.invoice_number for r in rows}
    missing = [n for n in invoice_numbers if n not in known]
    if missing and source == "api":
        raise NotFound("invoice_numbers", f"unknown invoices for this customer: {missing}")
    promise_id = promise_id or str(uuid.uuid4())
    await ctx.uow.session.execute(
        pg_insert(db.promises)
        .values(
            id=promise_id,
            tenant=ctx.tenant,
            customer_ref=ctx.ref,
            invoice_numbers=list(invoice_numbers),
            promised_date=promised,
            amount=amount.amount if amount else None,
            currency=amount.currency if amount else None,
            source=source,
            made_at=ctx.now,
            made_by=by,
        )
        .on_conflict_do_nothing()
    )
    active = [r for r in rows if r.state == TrackState.ACTIVE.value]
    for row in active:
        paused = pause_for_promise(
            repo.track_from_row(row), ctx.today, promised, ctx.settings.promise_grace_days, ctx.slot
        )
        await repo.save_track(ctx.uow.session, ctx.tenant, paused)
    if active:
        numbers = tuple(r.invoice_number for r in active)
        until = repo.track_from_row(active[0])
        until_day = pause_for_promise(
            until, ctx.today, promised, ctx.settings.promise_grace_days, ctx.slot
        ).pause_until
        await ctx.case_event(
            CasePaused, reason=PauseReason.PROMISE, invoice_numbers=numbers, until=until_day
        )
        await repo.add_timeline(
            ctx.uow.session,
            [
                ctx.timeline(
                    "paused",
                    numbers,
                    detail=f"promise to pay on {promised.isoformat()} (grace until {until_day})",
                )
            ],
        )
        if ctx.customer.reachable_by_email:
            await send(
                ctx,
                Channel.EMAIL,
                "promise_confirmed",
                active,
                f"{ctx.row.case_id}:promise:{promise_id}",
                "promise_confirmed",
                {"promised_date": promised.isoformat()},
            )
    await ctx.refresh()
    return promise_id


async def defer(
    ctx: Context,
    channel: Channel,
    template: str,
    rows: list[Any],
    key: str,
    step: str,
    until: datetime,
    extra: dict[str, str] | None = None,
    *,
    why: str,
    resend: bool = False,
) -> None:
    """Keep a message for the day run to send at ``until`` (call ``ctx.refresh()`` after).

    ``resend``: a scenario act sent again; the day run sends it only for the invoices
    still active then, at their balance then (never for one paid or paused since).
    """
    numbers = [r.invoice_number for r in rows]
    await ctx.uow.session.execute(
        pg_insert(db.deferred)
        .values(
            tenant=ctx.tenant,
            command_key=key,
            customer_ref=ctx.ref,
            case_id=ctx.row.case_id,
            channel=channel.value,
            template=template,
            step=step,
            invoice_numbers=numbers,
            balances={r.invoice_number: str(r.open_balance) for r in rows},
            resend=resend,
            context=extra or {},
            due_at=until,
            created_at=ctx.now,
        )
        .on_conflict_do_nothing()
    )
    await repo.add_timeline(
        ctx.uow.session,
        [
            ctx.timeline(
                "deferred",
                numbers,
                channel=channel.value,
                step=step,
                template=template,
                command_key=key,
                detail=f"{why}: waits until {until.isoformat()}",
            )
        ],
    )


def with_balance(row: Any, balance: Decimal) -> Any:
    """An invoice row as a payment left it (the ledger's own event may come later)."""
    return SimpleNamespace(**{**row._mapping, "open_balance": balance})
