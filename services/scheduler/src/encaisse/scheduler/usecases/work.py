"""A person's work: deciding a step waiting for validation, recording a call's result."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from encaisse.bus.uow import UnitOfWork
from encaisse.kit.failures import Conflict, NotFound
from encaisse.scheduler.domain.casework import LatenessCause
from encaisse.scheduler.domain.scenarios import Means
from encaisse.scheduler.repository import customers, tasks, timeline, tracks
from encaisse.scheduler.repository.rows import LIVE
from encaisse.scheduler.usecases import commands, deliveries
from encaisse.scheduler.usecases.contacts import collected
from encaisse.scheduler.usecases.context import context
from encaisse.scheduler.usecases.disputes import make_promise, open_dispute
from encaisse.scheduler.usecases.messages import send

if TYPE_CHECKING:
    from encaisse.scheduler.app import SchedulerParts


class CallResult(StrEnum):
    """What a collector's call to the customer came to."""

    REACHED = "reached"
    PROMISE = "promise"
    DISPUTE = "dispute"
    WRONG_NUMBER = "wrong_number"
    NO_ANSWER = "no_answer"


async def decide_validation(
    parts: SchedulerParts, uow: UnitOfWork, tenant: str, validation_id: str, approve: bool, by: str
) -> Any:
    """Send the step that waited (approved, and something still open), else skip it."""
    row = await tasks.lock_validation(uow.session, tenant, validation_id)
    if row is None:
        raise NotFound("validation_id", f"no validation {validation_id}")
    if row.status != "pending":
        raise Conflict("validation_id", f"already {row.status}")
    ctx = await context(parts, uow, tenant, row.customer_ref)
    live = [
        r
        for r in await tracks.of_customer(
            uow.session, tenant, row.customer_ref, row.invoice_numbers
        )
        if r.state in LIVE
    ]
    status = "approved" if approve and live else "skipped"
    if status == "approved":
        key = commands.command_key(row.case_id, row.step, row.channel, row.day)
        await send(ctx, Means(row.channel), row.template, live, key, row.step, statement=True)
    else:
        reason = f"skipped by {by}" if not approve else "nothing left open"
        await timeline.add(
            uow.session,
            [
                ctx.timeline(
                    "skipped",
                    row.invoice_numbers,
                    channel=row.channel,
                    step=row.step,
                    template=row.template,
                    detail=reason,
                )
            ],
        )
    return await tasks.decide_validation(
        uow.session, validation_id, status=status, decided_by=by, decided_at=ctx.now
    )


async def record_call(
    parts: SchedulerParts,
    uow: UnitOfWork,
    tenant: str,
    task_id: str,
    *,
    result: CallResult,
    promised_date: date | None,
    dispute_reason: str,
    note: str,
    detail: dict[str, Any],
    by: str,
    cause: LatenessCause | None = None,
    collected_email: str | None = None,
    collected_phone: str | None = None,
) -> Any:
    """A call task's result: a promise, a dispute, a wrong number; the task is done.

    It may say why the customer pays late (kept on the task and as the customer's last
    cause; a dispute without one is ``disputed``) and carry an email or a phone number
    got on the call (``usecases.contacts.collected``).
    """
    row = await tasks.lock(uow.session, tenant, task_id)
    if row is None:
        raise NotFound("task_id", f"no task {task_id}")
    if row.status != "open":
        raise Conflict("task_id", "this task is already done")
    ctx = await context(parts, uow, tenant, row.customer_ref)
    numbers = tuple(row.invoice_numbers)
    if result is CallResult.PROMISE and numbers:
        assert promised_date is not None  # the body's validator requires it
        await make_promise(ctx, numbers, promised_date, None, source="call", by=by)
    elif result is CallResult.DISPUTE:
        for number in numbers:
            await open_dispute(ctx, number, dispute_reason, note, source="call", by=by)
    elif result is CallResult.WRONG_NUMBER:
        await deliveries.delivery_failed(
            ctx, Means.CALL, f"task:{task_id}", "wrong number", contact_wrong=True
        )
    if cause is None and result is CallResult.DISPUTE:
        cause = LatenessCause.DISPUTED
    if cause is not None:
        await customers.change(
            uow.session, tenant, ctx.ref, last_cause=cause.value, last_cause_at=ctx.now
        )
    await collected(ctx, email=collected_email, phone=collected_phone, by=by, task_id=task_id)
    because = f" (cause: {cause.value})" if cause else ""
    await timeline.add(
        uow.session,
        [ctx.timeline("call_outcome", numbers, detail=f"{result.value}{because} {note}".strip())],
    )
    return await tasks.finish(
        uow.session,
        task_id,
        outcome=result.value,
        outcome_detail=detail,
        cause=cause.value if cause else None,
        done_by=by,
        done_at=ctx.now,
    )
