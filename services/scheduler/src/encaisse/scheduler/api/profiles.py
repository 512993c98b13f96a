"""Profiles (which scenario a kind of customer follows) and the tenant's sending rules."""

from __future__ import annotations

from datetime import datetime, time
from typing import Annotated

from fastapi import APIRouter, Path, status
from pydantic import BaseModel, EmailStr, Field, field_validator, model_validator
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert

from encaisse.contracts.ledger import Segment
from encaisse.kit.auth import Admin, Viewer
from encaisse.kit.failures import Conflict, DomainError, NotFound
from encaisse.scheduler import db, repo
from encaisse.scheduler.api.deps import ClockDep, Rt, forgets_rules
from encaisse.scheduler.domain.windows import SendingWindow

router = APIRouter(prefix="/v1", tags=["profiles"])
CodePath = Annotated[str, Path(pattern=r"^[a-z0-9_]{1,64}$")]


class ProfileBody(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    scenario_code: str = Field(pattern=r"^[a-z0-9_]{1,64}$")
    segments: list[Segment] = Field(
        default_factory=list, description="customers of these segments get this profile"
    )


class NewProfile(ProfileBody):
    code: str = Field(pattern=r"^[a-z0-9_]{1,64}$")


class ProfileOut(ProfileBody):
    code: str
    version: int
    changed_by: str
    changed_at: datetime


class WindowBody(BaseModel):
    weekdays: list[int] = Field(min_length=1, description="Monday = 0 ... Sunday = 6")
    start: time
    end: time
    skip_holidays: bool = True

    @field_validator("start", "end")
    @classmethod
    def _to_the_minute(cls, value: time) -> time:
        """A window is kept to the minute, in the customer's own time zone: refusing
        seconds and offsets here keeps what is stored readable back as it was given."""
        if value.second or value.microsecond:
            raise ValueError("give hours and minutes only (HH:MM)")
        if value.tzinfo is not None:
            raise ValueError(
                "give a local time without offset: the window follows each customer's time zone"
            )
        return value

    @model_validator(mode="after")
    def _valid(self) -> WindowBody:
        if any(d < 0 or d > 6 for d in self.weekdays):
            raise ValueError("weekdays go from 0 (Monday) to 6 (Sunday)")
        if self.start >= self.end:
            raise ValueError("start must come before end")
        return self


class TenantBody(BaseModel):
    country: str = Field(pattern=r"^[A-Z]{2}$")
    window: WindowBody
    promise_grace_days: int = Field(ge=0, le=30)
    notice_deadline_days: int = Field(ge=1, le=60)
    credit_owner_email: EmailStr | None = Field(
        default=None,
        max_length=320,
        description="who gets a dispute or an internal escalation when the customer has "
        "no sales rep (none: the task is unassigned)",
    )


async def _check_scenario(conn, tenant: str, code: str) -> None:
    if code not in await repo.scenarios(conn, tenant):
        raise DomainError("scenario_code", f"no scenario {code!r}")


def _out(row) -> ProfileOut:
    return ProfileOut(
        code=row.code,
        name=row.name,
        scenario_code=row.scenario_code,
        segments=row.segments,
        version=row.version,
        changed_by=row.changed_by,
        changed_at=row.changed_at,
    )


@router.get("/profiles", response_model=list[ProfileOut])
async def list_profiles(staff: Viewer, rt: Rt) -> list[ProfileOut]:
    async with rt.engine.begin() as conn:
        await repo.ensure_tenant(conn, staff.tenant)
        p = db.profiles
        rows = (
            await conn.execute(
                select(p).where(p.c.tenant == staff.tenant, ~p.c.deleted).order_by(p.c.code)
            )
        ).all()
    return [_out(r) for r in rows]


@router.get("/profiles/{code}", response_model=ProfileOut)
async def read_profile(code: CodePath, staff: Viewer, rt: Rt) -> ProfileOut:
    async with rt.engine.begin() as conn:
        await repo.ensure_tenant(conn, staff.tenant)
        p = db.profiles
        row = (
            await conn.execute(
                select(p).where(p.c.tenant == staff.tenant, p.c.code == code, ~p.c.deleted)
            )
        ).first()
    if row is None:
        raise NotFound("code", f"no profile {code!r}")
    return _out(row)


@router.post("/profiles", response_model=ProfileOut, status_code=status.HTTP_201_CREATED)
@forgets_rules
async def create_profile(body: NewProfile, staff: Admin, rt: Rt) -> ProfileOut:
    async with rt.engine.begin() as conn:
        await repo.ensure_tenant(conn, staff.tenant)
        await _check_scenario(conn, staff.tenant, body.scenario_code)
        p = db.profiles
        stmt = pg_insert(p).values(
            tenant=staff.tenant,
            code=body.code,
            name=body.name,
            scenario_code=body.scenario_code,
            segments=[s.value for s in body.segments],
            changed_by=staff.name,
        )
        row = (
            await conn.execute(
                stmt.on_conflict_do_update(
                    index_elements=["tenant", "code"],
                    where=p.c.deleted,
                    set_={
                        "deleted": False,
                        "name": stmt.excluded.name,
                        "version": p.c.version + 1,
                        "scenario_code": stmt.excluded.scenario_code,
                        "segments": stmt.excluded.segments,
                        "changed_by": staff.name,
                    },
                ).returning(p)
            )
        ).first()
        if row is None:
            raise Conflict("code", f"profile {body.code!r} already exists")
        return _out(row)


@router.put("/profiles/{code}", response_model=ProfileOut)
@forgets_rules
async def update_profile(
    code: CodePath, body: ProfileBody, staff: Admin, rt: Rt, clock: ClockDep
) -> ProfileOut:
    async with rt.engine.begin() as conn:
        await repo.ensure_tenant(conn, staff.tenant)
        await _check_scenario(conn, staff.tenant, body.scenario_code)
        p = db.profiles
        row = (
            await conn.execute(
                update(p)
                .where(p.c.tenant == staff.tenant, p.c.code == code, ~p.c.deleted)
                .values(
                    name=body.name,
                    scenario_code=body.scenario_code,
                    segments=[s.value for s in body.segments],
                    version=p.c.version + 1,
                    changed_by=staff.name,
                    changed_at=db.func.now(),
                )
                .returning(p)
            )
        ).first()
        if row is None:
            raise NotFound("code", f"no profile {code!r}")
        t, c = db.tracks, db.customers
        await conn.execute(
            update(t)
            .where(
                t.c.tenant == staff.tenant,
                t.c.state.in_(repo.LIVE),
                t.c.customer_ref.in_(
                    select(c.c.customer_ref).where(c.c.tenant == staff.tenant, c.c.profile == code)
                ),
            )
            .values(scenario_code=body.scenario_code)
        )
        await repo.nudge(conn, staff.tenant, await clock.now(conn), body.scenario_code)
        return _out(row)


@router.delete("/profiles/{code}", status_code=status.HTTP_204_NO_CONTENT)
@forgets_rules
async def delete_profile(code: CodePath, staff: Admin, rt: Rt) -> None:
    async with rt.engine.begin() as conn:
        await repo.ensure_tenant(conn, staff.tenant)
        c, p = db.customers, db.profiles
        used = await conn.scalar(
            select(db.func.count()).where(c.c.tenant == staff.tenant, c.c.profile == code)
        )
        if used:
            raise Conflict("code", f"{used} customers have profile {code!r}")
        done = await conn.execute(
            update(p)
            .where(p.c.tenant == staff.tenant, p.c.code == code, ~p.c.deleted)
            .values(deleted=True, version=p.c.version + 1, changed_by=staff.name)
        )
        if done.rowcount == 0:
            raise NotFound("code", f"no profile {code!r}")


@router.get("/settings", response_model=TenantBody)
async def read_settings(staff: Viewer, rt: Rt) -> TenantBody:
    async with rt.engine.begin() as conn:
        await repo.ensure_tenant(conn, staff.tenant)
        s = await repo.tenant_settings(conn, staff.tenant)
    return TenantBody(
        country=s.country,
        window=WindowBody(**repo.window_to_json(s.window)),
        promise_grace_days=s.promise_grace_days,
        notice_deadline_days=s.notice_deadline_days,
        credit_owner_email=s.credit_owner_email,
    )


@router.put("/settings", response_model=TenantBody)
@forgets_rules
async def write_settings(body: TenantBody, staff: Admin, rt: Rt, clock: ClockDep) -> TenantBody:
    """Sending window, country, grace after a promise, credit owner; applies from now on."""
    window = SendingWindow(
        frozenset(body.window.weekdays),
        body.window.start,
        body.window.end,
        body.window.skip_holidays,
    )
    async with rt.engine.begin() as conn:
        await repo.ensure_tenant(conn, staff.tenant)
        await conn.execute(
            update(db.tenants)
            .where(db.tenants.c.tenant == staff.tenant)
            .values(
                country=body.country,
                window=repo.window_to_json(window),
                promise_grace_days=body.promise_grace_days,
                notice_deadline_days=body.notice_deadline_days,
                credit_owner_email=body.credit_owner_email,
                changed_by=staff.name,
                changed_at=db.func.now(),
            )
        )
        await repo.nudge(conn, staff.tenant, await clock.now(conn))
    return body
