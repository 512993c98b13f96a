"""Tasks for a person (a call, a manual step, an escalation, a contact to fix, a delivery
to check): one way to make them, whether the day run or an act of the API or the bus
asks for one, with one amount at stake."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from encaisse.contracts import Envelope, Money
from encaisse.contracts.scheduler import TaskCreated, TaskKind
from encaisse.scheduler.domain.scenarios import Means
from encaisse.scheduler.repository import tasks, timeline
from encaisse.scheduler.usecases.context import Context


def stake(invoices: Sequence[Any]) -> Money | None:
    """The amount at stake of a task or an escalation: the open balance of its invoices in
    one currency, that of the first of them by number. Invoices in another currency are
    listed with it but never summed into it (amounts in two currencies do not add up)."""
    if not invoices:
        return None
    first = min(invoices, key=lambda r: r.invoice_number)
    return Money(
        amount=sum((r.open_balance for r in invoices if r.currency == first.currency), Decimal(0)),
        currency=first.currency,
    )


def new_task(
    *,
    tenant: str,
    customer_ref: str,
    case_id: str | None,
    kind: TaskKind,
    day: date,
    invoices: Sequence[Any],
    step: str | None,
    assignee: str | None,
    note: str,
    now: datetime,
    dispute_id: str | None = None,
) -> tuple[dict[str, Any], Envelope[TaskCreated]]:
    """A task's row and its ``TaskCreated`` event (to stage once the row is written)."""
    task_id = str(uuid.uuid4())
    numbers = tuple(r.invoice_number for r in invoices)
    at_stake = stake(invoices)
    row = {
        "id": task_id,
        "tenant": tenant,
        "customer_ref": customer_ref,
        "case_id": case_id,
        "kind": kind.value,
        "step": step,
        "due_on": day,
        "assignee": assignee,
        "invoice_numbers": list(numbers),
        "amount": at_stake.amount if at_stake else None,
        "currency": at_stake.currency if at_stake else None,
        "note": note,
        "created_at": now,
        "dispute_id": dispute_id,
    }
    event = TaskCreated(
        tenant=tenant,
        version=1,
        task_id=task_id,
        case_id=case_id,
        customer_ref=customer_ref,
        kind=kind,
        due_on=day,
        assignee=assignee,
        invoice_numbers=numbers,
        amount_at_stake=at_stake,
        note=note,
    )
    return row, Envelope(payload=event, subject=task_id, time=now)


async def create_task(
    ctx: Context,
    kind: TaskKind,
    invoices: list[Any],
    *,
    note: str,
    assignee: str | None = None,
    step: str | None = None,
    dispute_id: str | None = None,
) -> str | None:
    """A task for someone; a record to complete or a contact to fix is asked for once."""
    row, envelope = new_task(
        tenant=ctx.tenant,
        customer_ref=ctx.ref,
        case_id=ctx.row.case_id,
        kind=kind,
        day=ctx.today,
        invoices=invoices,
        step=step,
        assignee=assignee,
        note=note,
        now=ctx.now,
        dispute_id=dispute_id,
    )
    if not await tasks.add(ctx.uow.session, row):
        return None
    await ctx.uow.publish(envelope.payload, row["id"])
    await timeline.add(
        ctx.uow.session,
        [
            ctx.timeline(
                "task",
                row["invoice_numbers"],
                step=step,
                command_key=f"task:{row['id']}",
                channel=Means.CALL.value if kind is TaskKind.CALL else None,
                detail=f"{kind.value}: {note}",
            )
        ],
    )
    return str(row["id"])
