"""Profiles (which scenario a kind of customer follows) and the tenant's sending rules."""

from __future__ import annotations

from datetime import datetime, time
from typing import Annotated

from fastapi import APIRouter, Path, status
from pydantic import BaseModel, EmailStr, Field, field_validator, model_validator

from encaisse.contracts.ledger import Segment
from encaisse.kit.auth import Admin, Viewer
from encaisse.kit.failures import Conflict, DomainError, NotFound
from encaisse.scheduler.api.deps import Parts, RuntimeDep, forgets_rules
from encaisse.scheduler.domain.scenarios import DunningMode, InvalidScenario, Policy, WithoutEmail
from encaisse.scheduler.domain.windows import SendingWindow
from encaisse.scheduler.repository import profiles, rules, tenants
from encaisse.scheduler.repository.rows import policy_from_row, policy_to_row, window_to_json
from encaisse.scheduler.repository.tenants import TenantSettings

router = APIRouter(prefix="/v1", tags=["profiles"])
CodePath = Annotated[str, Path(pattern=r"^[a-z0-9_]{1,64}$")]


class PolicyBody(BaseModel):
    """How hard the profile presses its customers (``domain.scenarios.Policy``)."""

    mode: DunningMode = DunningMode.PER_CUSTOMER
    min_gap_days: int = Field(default=7, description="days between two client-facing acts")
    contacts_per_week: int = Field(
        default=2, description="client-facing contacts in any 7 days, every channel"
    )
    thank_you: bool = Field(
        default=True, description="a thank-you for payments, at most one a week"
    )
    without_email: WithoutEmail = WithoutEmail.LETTERS
    dispute_reminder_days: int = Field(
        default=7, description="how often a dispute's owner is reminded"
    )


class ProfileBody(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    scenario_code: str = Field(pattern=r"^[a-z0-9_]{1,64}$")
    segments: list[Segment] = Field(
        default_factory=list,
        description="the segments this profile is for: the default profile rules are made "
        "from them; the rules (/v1/profile-rules) choose",
    )
    policy: PolicyBody | None = Field(
        default=None, description="none: the defaults for a new profile, the one it has else"
    )


class NewProfile(ProfileBody):
    code: str = Field(pattern=r"^[a-z0-9_]{1,64}$")


class ProfileOut(ProfileBody):
    code: str
    policy: PolicyBody
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
    language: str = Field(
        default="fr",
        pattern=r"^[a-z]{2}$",
        description="a debtor whose language we write no template in reads this one",
    )


async def _check_scenario(conn, tenant: str, code: str) -> None:
    if code not in await tenants.scenarios(conn, tenant):
        raise DomainError("scenario_code", f"no scenario {code!r}")


def _policy(body: ProfileBody) -> Policy | None:
    """The body's policy checked by the domain's rules (422 naming the field)."""
    if body.policy is None:
        return None
    try:
        return Policy(**body.policy.model_dump())
    except InvalidScenario as exc:
        raise DomainError(("policy", exc.field), str(exc)) from exc


def _out(row) -> ProfileOut:
    return ProfileOut(
        code=row.code,
        name=row.name,
        scenario_code=row.scenario_code,
        segments=row.segments,
        policy=PolicyBody(**policy_to_row(policy_from_row(row))),
        version=row.version,
        changed_by=row.changed_by,
        changed_at=row.changed_at,
    )


@router.get("/profiles", response_model=list[ProfileOut])
async def list_profiles(staff: Viewer, rt: RuntimeDep, parts: Parts) -> list[ProfileOut]:
    async with rt.engine.begin() as conn:
        await parts.tenants.ensure(staff.tenant)
        rows = await profiles.listed(conn, staff.tenant)
    return [_out(r) for r in rows]


@router.get("/profiles/{code}", response_model=ProfileOut)
async def read_profile(code: CodePath, staff: Viewer, rt: RuntimeDep, parts: Parts) -> ProfileOut:
    async with rt.engine.begin() as conn:
        await parts.tenants.ensure(staff.tenant)
        row = await profiles.one(conn, staff.tenant, code)
    if row is None:
        raise NotFound("code", f"no profile {code!r}")
    return _out(row)


@router.post("/profiles", response_model=ProfileOut, status_code=status.HTTP_201_CREATED)
@forgets_rules
async def create_profile(
    body: NewProfile, staff: Admin, rt: RuntimeDep, parts: Parts
) -> ProfileOut:
    policy = _policy(body)
    async with rt.engine.begin() as conn:
        await parts.tenants.ensure(staff.tenant)
        await _check_scenario(conn, staff.tenant, body.scenario_code)
        row = await profiles.create(
            conn,
            staff.tenant,
            body.code,
            body.name,
            body.scenario_code,
            [s.value for s in body.segments],
            staff.name,
            policy,
        )
        if row is None:
            raise Conflict("code", f"profile {body.code!r} already exists")
        return _out(row)


@router.put("/profiles/{code}", response_model=ProfileOut)
@forgets_rules
async def update_profile(
    code: CodePath, body: ProfileBody, staff: Admin, rt: RuntimeDep, parts: Parts
) -> ProfileOut:
    policy = _policy(body)
    async with rt.engine.begin() as conn:
        await parts.tenants.ensure(staff.tenant)
        await _check_scenario(conn, staff.tenant, body.scenario_code)
        row = await profiles.change(
            conn,
            staff.tenant,
            code,
            body.name,
            body.scenario_code,
            [s.value for s in body.segments],
            staff.name,
            policy,
        )
        if row is None:
            raise NotFound("code", f"no profile {code!r}")
        await tenants.nudge(conn, staff.tenant, await parts.clock.now(conn), body.scenario_code)
        return _out(row)


@router.delete("/profiles/{code}", status_code=status.HTTP_204_NO_CONTENT)
@forgets_rules
async def delete_profile(code: CodePath, staff: Admin, rt: RuntimeDep, parts: Parts) -> None:
    async with rt.engine.begin() as conn:
        await parts.tenants.ensure(staff.tenant)
        used = await profiles.customers_with(conn, staff.tenant, code)
        if used:
            raise Conflict("code", f"{used} customers have profile {code!r}")
        named = [
            i for i, r in enumerate(await rules.of_tenant(conn, staff.tenant)) if r.profile == code
        ]
        if named:
            raise Conflict("code", f"profile rules {named} name profile {code!r}")
        if not await profiles.delete(conn, staff.tenant, code, staff.name):
            raise NotFound("code", f"no profile {code!r}")


@router.get("/settings", response_model=TenantBody)
async def read_settings(staff: Viewer, rt: RuntimeDep, parts: Parts) -> TenantBody:
    async with rt.engine.begin() as conn:
        await parts.tenants.ensure(staff.tenant)
        s = await tenants.tenant_settings(conn, staff.tenant)
    return TenantBody(
        country=s.country,
        window=WindowBody(**window_to_json(s.window)),
        promise_grace_days=s.promise_grace_days,
        notice_deadline_days=s.notice_deadline_days,
        credit_owner_email=s.credit_owner_email,
        language=s.language,
    )


@router.put("/settings", response_model=TenantBody)
@forgets_rules
async def write_settings(
    body: TenantBody, staff: Admin, rt: RuntimeDep, parts: Parts
) -> TenantBody:
    """Sending window, country, grace after a promise, credit owner, the debtors' fallback
    language; applies from now on."""
    window = SendingWindow(
        frozenset(body.window.weekdays),
        body.window.start,
        body.window.end,
        body.window.skip_holidays,
    )
    async with rt.engine.begin() as conn:
        await parts.tenants.ensure(staff.tenant)
        await tenants.write_settings(
            conn,
            TenantSettings(
                staff.tenant,
                body.country,
                window,
                body.promise_grace_days,
                body.notice_deadline_days,
                body.credit_owner_email,
                body.language,
            ),
            staff.name,
        )
        await tenants.nudge(conn, staff.tenant, await parts.clock.now(conn))
    return body
