"""The validation queue (steps in ``validate`` mode) and collectors' tasks."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum

from fastapi import APIRouter
from pydantic import BaseModel, Field, model_validator
from sqlalchemy import ColumnElement, Date, DateTime, and_, cast, func, literal, select, update

from encaisse.contracts.portal import DisputeReason
from encaisse.kit.auth import Collector, Viewer
from encaisse.kit.failures import Conflict, NotFound
from encaisse.kit.money import at_precision
from encaisse.scheduler import actions, commands, db, deliveries, repo
from encaisse.scheduler.api.deps import ClockDep, Rt, now_of
from encaisse.scheduler.domain.scenarios import Channel

router = APIRouter(prefix="/v1", tags=["validations and tasks"])


class ValidationOut(BaseModel):
    id: str
    customer_ref: str
    channel: str
    step: str
    template: str
    invoice_numbers: list[str]
    day: date
    status: str
    decided_by: str | None


class TaskOut(BaseModel):
    id: str
    customer_ref: str
    kind: str
    step: str | None
    due_on: date
    assignee: str | None
    invoice_numbers: list[str]
    amount: Decimal | None
    currency: str | None
    note: str
    status: str
    outcome: str | None


class Outcome(StrEnum):
    REACHED = "reached"
    PROMISE = "promise"
    DISPUTE = "dispute"
    WRONG_NUMBER = "wrong_number"
    NO_ANSWER = "no_answer"


class OutcomeIn(BaseModel):
    outcome: Outcome
    promised_date: date | None = None
    dispute_reason: DisputeReason = DisputeReason.OTHER
    note: str = Field(default="", max_length=2000)

    @model_validator(mode="after")
    def _promise_has_date(self) -> OutcomeIn:
        if self.outcome is Outcome.PROMISE and self.promised_date is None:
            raise ValueError("promised_date is required when the outcome is a promise")
        return self


def _validation(row) -> ValidationOut:
    return ValidationOut(**{k: row._mapping[k] for k in ValidationOut.model_fields})


@router.get("/validations", response_model=list[ValidationOut])
async def list_validations(staff: Viewer, rt: Rt, status: str = "pending") -> list[ValidationOut]:
    v = db.validations
    async with rt.engine.connect() as conn:
        rows = (
            await conn.execute(
                select(v)
                .where(v.c.tenant == staff.tenant, v.c.status == status)
                # one day run creates many at one time
                .order_by(v.c.created_at, v.c.customer_ref, v.c.id)
            )
        ).all()
    return [_validation(r) for r in rows]


async def _decide(staff, rt, clock, validation_id: str, approve: bool) -> ValidationOut:
    v = db.validations
    async with rt.unit_of_work() as uow:
        row = (
            await uow.session.execute(
                select(v)
                .where(v.c.tenant == staff.tenant, v.c.id == validation_id)
                .with_for_update()
            )
        ).first()
        if row is None:
            raise NotFound("validation_id", f"no validation {validation_id}")
        if row.status != "pending":
            raise Conflict("validation_id", f"already {row.status}")
        ctx = await actions.context(
            uow, staff.tenant, row.customer_ref, await now_of(uow, clock, staff.tenant)
        )
        live = [
            r
            for r in await repo.customer_tracks(
                uow.session, staff.tenant, row.customer_ref, row.invoice_numbers
            )
            if r.state in repo.LIVE
        ]
        status = "approved" if approve and live else "skipped"
        if status == "approved":
            key = commands.command_key(row.case_id, row.step, row.channel, row.day)
            await actions.send(ctx, Channel(row.channel), row.template, live, key, row.step)
        else:
            reason = f"skipped by {staff.name}" if not approve else "nothing left open"
            await repo.add_timeline(
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
        done = (
            await uow.session.execute(
                update(v)
                .where(v.c.id == validation_id)
                .values(status=status, decided_by=staff.name, decided_at=ctx.now)
                .returning(v)
            )
        ).one()
        return _validation(done)


@router.post("/validations/{validation_id}/approve", response_model=ValidationOut)
async def approve(validation_id: str, staff: Collector, rt: Rt, clock: ClockDep) -> ValidationOut:
    return await _decide(staff, rt, clock, validation_id, True)


@router.post("/validations/{validation_id}/skip", response_model=ValidationOut)
async def skip(validation_id: str, staff: Collector, rt: Rt, clock: ClockDep) -> ValidationOut:
    return await _decide(staff, rt, clock, validation_id, False)


def _task(row) -> TaskOut:
    fields = {k: row._mapping[k] for k in TaskOut.model_fields}
    if fields["amount"] is not None and fields["currency"]:
        fields["amount"] = at_precision(fields["amount"], fields["currency"])
    return TaskOut(**fields)


@router.get("/tasks", response_model=list[TaskOut])
async def list_tasks(
    staff: Viewer,
    rt: Rt,
    clock: ClockDep,
    day: date | None = None,
    kind: str | None = None,
    status: str = "open",
) -> list[TaskOut]:
    """Open tasks due on ``day`` or before, by amount at stake.

    Without ``day``, "today" is each task's customer's own day: the date the clock shows
    in the customer's time zone. A task's ``due_on`` is a day of that customer's
    calendar (steps, windows and holidays are all in its time zone), so comparing it with
    the same calendar's today lists a task as soon as its day has begun for the customer,
    never a few hours late (after midnight in Paris the UTC date is still yesterday's).
    The tenant has no time zone of its own to use instead: its customers may be abroad.
    """
    t, c = db.tasks, db.customers
    async with rt.engine.connect() as conn:
        if day is None:
            now = await clock.now(conn)
            zone = func.coalesce(c.c.timezone, "UTC")
            last_day: ColumnElement[date] = cast(
                func.timezone(zone, literal(now, DateTime(timezone=True))), Date
            )
        else:
            last_day = literal(day, Date)
        query = (
            select(t)
            .select_from(
                t.outerjoin(c, and_(c.c.tenant == t.c.tenant, c.c.customer_ref == t.c.customer_ref))
            )
            .where(t.c.tenant == staff.tenant, t.c.status == status, t.c.due_on <= last_day)
        )
        if kind:
            query = query.where(t.c.kind == kind)
        rows = (
            await conn.execute(query.order_by(t.c.amount.desc().nulls_last(), t.c.due_on))
        ).all()
    return [_task(r) for r in rows]


@router.post("/tasks/{task_id}/outcome", response_model=TaskOut)
async def record_outcome(
    task_id: str, body: OutcomeIn, staff: Collector, rt: Rt, clock: ClockDep
) -> TaskOut:
    """Reached, a promise with its date, a dispute, a wrong number, no answer."""
    t = db.tasks
    async with rt.unit_of_work() as uow:
        row = (
            await uow.session.execute(
                select(t).where(t.c.tenant == staff.tenant, t.c.id == task_id).with_for_update()
            )
        ).first()
        if row is None:
            raise NotFound("task_id", f"no task {task_id}")
        if row.status != "open":
            raise Conflict("task_id", "this task is already done")
        ctx = await actions.context(
            uow, staff.tenant, row.customer_ref, await now_of(uow, clock, staff.tenant)
        )
        numbers = tuple(row.invoice_numbers)
        if body.outcome is Outcome.PROMISE and numbers:
            assert body.promised_date is not None  # the body's validator requires it
            await actions.make_promise(
                ctx, numbers, body.promised_date, None, source="call", by=staff.name
            )
        elif body.outcome is Outcome.DISPUTE:
            for number in numbers:
                await actions.open_dispute(
                    ctx, number, body.dispute_reason.value, body.note, source="call", by=staff.name
                )
        elif body.outcome is Outcome.WRONG_NUMBER:
            await deliveries.delivery_failed(
                ctx, Channel.CALL, f"task:{task_id}", "wrong number", contact_wrong=True
            )
        await repo.add_timeline(
            uow.session,
            [
                ctx.timeline(
                    "call_outcome", numbers, detail=f"{body.outcome.value} {body.note}".strip()
                )
            ],
        )
        done = (
            await uow.session.execute(
                update(t)
                .where(t.c.id == task_id)
                .values(
                    status="done",
                    outcome=body.outcome.value,
                    outcome_detail=body.model_dump(mode="json"),
                    done_by=staff.name,
                    done_at=ctx.now,
                )
                .returning(t)
            )
        ).one()
        return _task(done)
