"""The validation queue (steps in ``validate`` mode) and collectors' tasks."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from fastapi import APIRouter
from pydantic import BaseModel, Field, model_validator

from encaisse.contracts.portal import DisputeReason
from encaisse.kit.auth import Collector, Viewer
from encaisse.kit.money import at_precision
from encaisse.scheduler.api.deps import Parts, RuntimeDep
from encaisse.scheduler.domain.casework import LatenessCause
from encaisse.scheduler.repository import tasks
from encaisse.scheduler.usecases.work import CallResult, decide_validation, record_call

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
    cause: str | None


class OutcomeIn(BaseModel):
    outcome: CallResult
    promised_date: date | None = None
    dispute_reason: DisputeReason = DisputeReason.OTHER
    note: str = Field(default="", max_length=2000)
    cause: LatenessCause | None = Field(
        default=None, description="why the customer pays late (a dispute: disputed)"
    )
    collected_email: str | None = Field(
        default=None, max_length=320, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
        description="an email got on the call: used at once, and sent to the ledger",
    )  # fmt: skip
    collected_phone: str | None = Field(
        default=None, pattern=r"^\+[1-9][0-9]{6,14}$", description="E.164, got on the call"
    )

    @model_validator(mode="after")
    def _promise_has_date(self) -> OutcomeIn:
        if self.outcome is CallResult.PROMISE and self.promised_date is None:
            raise ValueError("promised_date is required when the outcome is a promise")
        return self


def _validation(row) -> ValidationOut:
    return ValidationOut(**{k: row._mapping[k] for k in ValidationOut.model_fields})


@router.get("/validations", response_model=list[ValidationOut])
async def list_validations(
    staff: Viewer, rt: RuntimeDep, status: str = "pending"
) -> list[ValidationOut]:
    async with rt.engine.connect() as conn:
        rows = await tasks.validations(conn, staff.tenant, status)
    return [_validation(r) for r in rows]


async def _decide(staff, rt, parts, validation_id: str, approve: bool) -> ValidationOut:
    async with rt.unit_of_work() as uow:
        done = await decide_validation(parts, uow, staff.tenant, validation_id, approve, staff.name)
        return _validation(done)


@router.post("/validations/{validation_id}/approve", response_model=ValidationOut)
async def approve(
    validation_id: str, staff: Collector, rt: RuntimeDep, parts: Parts
) -> ValidationOut:
    return await _decide(staff, rt, parts, validation_id, True)


@router.post("/validations/{validation_id}/skip", response_model=ValidationOut)
async def skip(validation_id: str, staff: Collector, rt: RuntimeDep, parts: Parts) -> ValidationOut:
    return await _decide(staff, rt, parts, validation_id, False)


def _task(row) -> TaskOut:
    fields = {k: row._mapping[k] for k in TaskOut.model_fields}
    if fields["amount"] is not None and fields["currency"]:
        fields["amount"] = at_precision(fields["amount"], fields["currency"])
    return TaskOut(**fields)


@router.get("/tasks", response_model=list[TaskOut])
async def list_tasks(
    staff: Viewer,
    rt: RuntimeDep,
    parts: Parts,
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
    async with rt.engine.connect() as conn:
        now = await parts.clock.now(conn)
        rows = await tasks.due(conn, staff.tenant, status, now, day, kind)
    return [_task(r) for r in rows]


@router.post("/tasks/{task_id}/outcome", response_model=TaskOut)
async def record_outcome(
    task_id: str, body: OutcomeIn, staff: Collector, rt: RuntimeDep, parts: Parts
) -> TaskOut:
    """Reached, a promise with its date, a dispute, a wrong number, no answer; the cause of
    lateness learnt, an email or phone number collected."""
    async with rt.unit_of_work() as uow:
        done = await record_call(
            parts,
            uow,
            staff.tenant,
            task_id,
            result=body.outcome,
            promised_date=body.promised_date,
            dispute_reason=body.dispute_reason.value,
            note=body.note,
            detail=body.model_dump(mode="json"),
            by=staff.name,
            cause=body.cause,
            collected_email=body.collected_email,
            collected_phone=body.collected_phone,
        )
        return _task(done)
