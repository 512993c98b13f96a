"""A customer's timeline, its explicit profile, and exclusions from automation."""

from __future__ import annotations

from datetime import date, datetime

from fastapi import APIRouter
from pydantic import BaseModel
from sqlalchemy import select, update

from encaisse.kit.auth import Admin, Collector, Viewer
from encaisse.kit.failures import DomainError, NotFound
from encaisse.kit.money import at_precision
from encaisse.scheduler import actions, db, repo
from encaisse.scheduler.api.deps import ClockDep, Rt, forgets_rules, now_of
from encaisse.scheduler.cases import refresh_cases
from encaisse.scheduler.domain.day import customer_slot, plans_from
from encaisse.scheduler.domain.planning import Track, TrackState
from encaisse.scheduler.domain.scenarios import profile_for

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
    invoices: list[InvoiceState]
    entries: list[Entry]
    planned: list[Planned]


class Exclusion(BaseModel):
    excluded: bool


class ExplicitProfile(BaseModel):
    profile: str | None


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
async def timeline(customer_ref: str, staff: Viewer, rt: Rt) -> Timeline:
    """Planned, done, skipped with the reason, anomalies, pauses."""
    async with rt.engine.begin() as conn:
        await repo.ensure_tenant(conn, staff.tenant)
        c, t = db.customers, db.timeline
        row = (
            await conn.execute(
                select(c).where(c.c.tenant == staff.tenant, c.c.customer_ref == customer_ref)
            )
        ).first()
        if row is None:
            raise NotFound("customer_ref", f"no customer {customer_ref}")
        entries = (
            await conn.execute(
                select(t)
                .where(t.c.tenant == staff.tenant, t.c.customer_ref == customer_ref)
                .order_by(t.c.at, t.c.id)
            )
        ).all()
        tracks = await repo.customer_tracks(conn, staff.tenant, customer_ref)
        settings = await repo.tenant_settings(conn, staff.tenant)
        plans = plans_from(await repo.scenarios(conn, staff.tenant, with_deleted=True))
    slot = customer_slot(repo.customer_from_row(row), settings.window)
    planned = [
        p
        for r in tracks
        for p in planned_steps(repo.track_from_row(r), plans(repo.track_from_row(r)), slot)
    ]
    return Timeline(
        customer_ref=customer_ref,
        case_id=row.case_id,
        case_state=row.case_state,
        profile=row.profile,
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
            for r in tracks
        ],
        entries=[Entry(**{k: e._mapping[k] for k in Entry.model_fields}) for e in entries],
        planned=sorted(planned, key=lambda p: (p.due_at, p.invoice_number)),
    )


@router.put("/{customer_ref}/exclusion", response_model=Exclusion)
async def exclude_customer(
    customer_ref: str, body: Exclusion, staff: Collector, rt: Rt, clock: ClockDep
) -> Exclusion:
    """An excluded customer gets nothing until included again (a later ledger change may too)."""
    async with rt.unit_of_work() as uow:
        now = await now_of(uow, clock, staff.tenant)
        await repo.lock_customer(uow.session, staff.tenant, customer_ref)
        c = db.customers
        await uow.session.execute(
            update(c)
            .where(c.c.tenant == staff.tenant, c.c.customer_ref == customer_ref)
            .values(excluded=body.excluded)
        )
        await repo.add_timeline(
            uow.session,
            [
                repo.timeline_row(
                    staff.tenant,
                    customer_ref,
                    None,
                    now,
                    "excluded" if body.excluded else "included",
                    [],
                    detail=f"by {staff.name}",
                )
            ],
        )
        for event in await refresh_cases(uow.session, [(staff.tenant, customer_ref)], now):
            await uow.publish(event, event.case_id)
    return body


@router.put("/{customer_ref}/invoices/{invoice_number}/exclusion", response_model=Exclusion)
async def exclude_invoice(
    customer_ref: str,
    invoice_number: str,
    body: Exclusion,
    staff: Collector,
    rt: Rt,
    clock: ClockDep,
) -> Exclusion:
    async with rt.unit_of_work() as uow:
        now = await now_of(uow, clock, staff.tenant)
        await repo.lock_customer(uow.session, staff.tenant, customer_ref)
        t = db.tracks
        done = await uow.session.execute(
            update(t)
            .where(
                t.c.tenant == staff.tenant,
                t.c.customer_ref == customer_ref,
                t.c.invoice_number == invoice_number,
            )
            .values(excluded=body.excluded)
        )
        if done.rowcount == 0:  # type: ignore[attr-defined]  # a CursorResult for a DML
            raise NotFound("invoice_number", f"no invoice {invoice_number} for {customer_ref}")
        await repo.add_timeline(
            uow.session,
            [
                repo.timeline_row(
                    staff.tenant,
                    customer_ref,
                    None,
                    now,
                    "excluded" if body.excluded else "included",
                    [invoice_number],
                    detail=f"by {staff.name}",
                )
            ],
        )
    return body


@router.put("/{customer_ref}/profile", response_model=ExplicitProfile)
@forgets_rules
async def set_profile(
    customer_ref: str, body: ExplicitProfile, staff: Admin, rt: Rt, clock: ClockDep
) -> ExplicitProfile:
    """Choose the customer's profile explicitly (null: back to the rules)."""
    async with rt.unit_of_work() as uow:
        await now_of(uow, clock, staff.tenant)
        row = await repo.lock_customer(uow.session, staff.tenant, customer_ref)
        profiles = await repo.profiles(uow.session, staff.tenant)
        if body.profile is not None and body.profile not in {p.code for p in profiles}:
            raise DomainError("profile", f"no profile {body.profile!r}")
        settings = await repo.tenant_settings(uow.session, staff.tenant)
        code = profile_for(
            explicit=body.profile,
            segment=row.segment,
            country=row.country,
            tenant_country=settings.country,
            profiles=profiles,
        )
        c, t = db.customers, db.tracks
        await uow.session.execute(
            update(c)
            .where(c.c.tenant == staff.tenant, c.c.customer_ref == customer_ref)
            .values(explicit_profile=body.profile, profile=code)
        )
        scenario = next(p.scenario_code for p in profiles if p.code == code)
        await uow.session.execute(
            update(t)
            .where(
                t.c.tenant == staff.tenant,
                t.c.customer_ref == customer_ref,
                t.c.state.in_(repo.LIVE),
            )
            .values(scenario_code=scenario)
        )
        ctx = await actions.context(uow, staff.tenant, customer_ref, await clock.now(uow.session))
        await actions.replan(ctx)
        await ctx.refresh()
    return body
