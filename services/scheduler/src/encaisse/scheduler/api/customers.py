"""A customer's timeline, its explicit profile, and exclusions from automation."""

from __future__ import annotations

from datetime import date, datetime

from fastapi import APIRouter, status
from pydantic import BaseModel, Field

from encaisse.kit.auth import Admin, Collector, Viewer
from encaisse.kit.failures import NotFound
from encaisse.kit.money import at_precision
from encaisse.scheduler.api.deps import Parts, RuntimeDep, forgets_rules
from encaisse.scheduler.domain.day import customer_slot, plans_from
from encaisse.scheduler.domain.planning import Track, TrackState
from encaisse.scheduler.repository import customers, tenants, timeline, tracks
from encaisse.scheduler.repository.rows import contacts_from_row, track_from_row
from encaisse.scheduler.usecases import customers as acts
from encaisse.scheduler.usecases.exclusions import lift_target, set_exclusion

router = APIRouter(prefix="/v1/customers", tags=["customers"])


class Entry(BaseModel):
    at: datetime
    kind: str
    channel: str | None
    step: str | None
    template: str | None
    invoice_numbers: list[str]
    command_key: str | None
    detail: str


class Planned(BaseModel):
    invoice_number: str
    step: str
    channel: str
    template: str
    day: date
    due_at: datetime


class InvoiceState(BaseModel):
    invoice_number: str
    state: str
    open_balance: str
    currency: str
    scenario: str
    paused_until: date | None
    excluded: bool


class Timeline(BaseModel):
    customer_ref: str
    case_id: str | None
    case_state: str
    profile: str
    level: int | None = Field(
        default=None,
        description="dunning per customer: the offset of the last step done for the customer",
    )
    level_on: date | None = Field(default=None, description="the day the level last moved")
    scenario: str | None  # its own, chosen by staff (over its rule's and its profile's)
    last_cause: str | None = Field(description="the cause of lateness the last call gave")
    invoices: list[InvoiceState]
    entries: list[Entry]
    planned: list[Planned]


class Exclusion(BaseModel):
    """The idempotent form of ``/v1/exclusions``: excluded or not, now."""

    excluded: bool
    reason: str = Field(default="not given", min_length=1, max_length=500)
    until: date | None = None


class ExplicitProfile(BaseModel):
    profile: str | None


class OwnScenario(BaseModel):
    scenario: str = Field(pattern=r"^[a-z0-9_]{1,64}$")


def planned_steps(track: Track, plan, slot) -> list[Planned]:
    """The rest of the plan, derived from the scenario (only the next step is stored)."""
    if track.state is not TrackState.ACTIVE:
        return []
    out, last = [], track.last_offset
    while (step := plan.step_after(last)) is not None:
        day = track.day_of(step)
        out.append(
            Planned(
                invoice_number=track.invoice_number,
                step=step.key,
                channel=step.channel.value,
                template=step.template,
                day=day,
                due_at=slot(day),
            )
        )
        last = step.offset_days
    return out


@router.get("/{customer_ref}/timeline", response_model=Timeline)
async def read_timeline(customer_ref: str, staff: Viewer, rt: RuntimeDep, parts: Parts) -> Timeline:
    """Planned, done, skipped with the reason, anomalies, pauses."""
    await parts.tenants.ensure(staff.tenant)
    async with rt.engine.connect() as conn:
        row = await customers.one(conn, staff.tenant, customer_ref)
        if row is None:
            raise NotFound("customer_ref", f"no customer {customer_ref}")
        entries = await timeline.of_customer(conn, staff.tenant, customer_ref)
        invoices = await tracks.of_customer(conn, staff.tenant, customer_ref)
        settings = await tenants.tenant_settings(conn, staff.tenant)
        plans = plans_from(await tenants.scenarios(conn, staff.tenant, with_deleted=True))
    slot = customer_slot(contacts_from_row(row), settings.window)
    planned = [
        p
        for r in invoices
        for p in planned_steps(track_from_row(r), plans(track_from_row(r)), slot)
    ]
    return Timeline(
        customer_ref=customer_ref,
        case_id=row.case_id,
        case_state=row.case_state,
        profile=row.profile,
        level=row.level_offset,
        level_on=row.level_on,
        scenario=row.own_scenario,
        last_cause=row.last_cause,
        invoices=[
            InvoiceState(
                invoice_number=r.invoice_number,
                state=r.state,
                open_balance=str(at_precision(r.open_balance, r.currency)),
                currency=r.currency,
                scenario=r.scenario_code,
                paused_until=r.pause_until,
                excluded=r.excluded,
            )
            for r in invoices
        ],
        entries=[Entry(**{k: e._mapping[k] for k in Entry.model_fields}) for e in entries],
        planned=sorted(planned, key=lambda p: (p.due_at, p.invoice_number)),
    )


@router.put("/{customer_ref}/exclusion", response_model=Exclusion)
async def exclude_customer(
    customer_ref: str, body: Exclusion, staff: Collector, rt: RuntimeDep, parts: Parts
) -> Exclusion:
    """Excluded by staff: nothing until lifted or its end date (a ledger event never lifts it)."""
    await _exclusion(customer_ref, None, body, staff, rt, parts)
    return body


@router.put("/{customer_ref}/invoices/{invoice_number}/exclusion", response_model=Exclusion)
async def exclude_invoice(
    customer_ref: str,
    invoice_number: str,
    body: Exclusion,
    staff: Collector,
    rt: RuntimeDep,
    parts: Parts,
) -> Exclusion:
    await _exclusion(customer_ref, invoice_number, body, staff, rt, parts)
    return body


async def _exclusion(customer_ref, invoice_number, body: Exclusion, staff, rt, parts) -> None:
    async with rt.unit_of_work() as uow:
        if body.excluded:
            await set_exclusion(
                parts,
                uow,
                staff.tenant,
                customer_ref,
                invoice_number=invoice_number,
                reason=body.reason,
                until=body.until,
                by=staff.name,
                again_is_conflict=False,
            )
        else:
            await lift_target(parts, uow, staff.tenant, customer_ref, invoice_number, staff.name)


@router.put("/{customer_ref}/profile", response_model=ExplicitProfile)
@forgets_rules
async def set_profile(
    customer_ref: str, body: ExplicitProfile, staff: Admin, rt: RuntimeDep, parts: Parts
) -> ExplicitProfile:
    """Choose the customer's profile explicitly (null: back to the rules)."""
    async with rt.unit_of_work() as uow:
        await acts.choose_profile(parts, uow, staff.tenant, customer_ref, body.profile)
    return body


@router.put("/{customer_ref}/scenario", response_model=OwnScenario)
@forgets_rules
async def set_scenario(
    customer_ref: str, body: OwnScenario, staff: Admin, rt: RuntimeDep, parts: Parts
) -> OwnScenario:
    """The customer's own scenario (a key account's bespoke procedure), over its rule's and
    its profile's; its live invoices follow it from their next step on."""
    async with rt.unit_of_work() as uow:
        await acts.choose_scenario(parts, uow, staff.tenant, customer_ref, body.scenario)
    return body


@router.delete("/{customer_ref}/scenario", status_code=status.HTTP_204_NO_CONTENT)
@forgets_rules
async def drop_scenario(customer_ref: str, staff: Admin, rt: RuntimeDep, parts: Parts) -> None:
    """Back to the scenario of its rule or its profile."""
    async with rt.unit_of_work() as uow:
        await acts.choose_scenario(parts, uow, staff.tenant, customer_ref, None)
