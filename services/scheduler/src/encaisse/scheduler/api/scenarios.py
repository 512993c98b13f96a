"""Scenarios: versioned lists of steps. A change is a new version; steps already done stay done."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, status
from pydantic import BaseModel, Field

from encaisse.kit.auth import Admin, Viewer
from encaisse.kit.failures import Conflict, DomainError, NotFound
from encaisse.scheduler.api.deps import Parts, RuntimeDep, forgets_rules
from encaisse.scheduler.domain.scenarios import (
    MAX_AMICABLE_DAYS,
    MIN_AMICABLE_DAYS,
    ROLES,
    CountedFrom,
    InvalidScenario,
    Means,
    Mode,
    Scenario,
    Step,
)
from encaisse.scheduler.repository import rules, tenants
from encaisse.scheduler.repository import scenarios as versions_of
from encaisse.scheduler.repository.rows import steps_from_json

router = APIRouter(prefix="/v1/scenarios", tags=["scenarios"])
Code = Annotated[str, Field(pattern=r"^[a-z0-9_]{1,64}$")]
CodePath = Annotated[str, Path(pattern=r"^[a-z0-9_]{1,64}$")]


class StepBody(BaseModel):
    offset_days: int = Field(ge=-90, le=90, description="days from the due date; negative before")
    channel: Means
    mode: Mode = Mode.AUTO
    template: str = Field(min_length=1, max_length=64)
    enabled: bool = True
    cc_sales_rep: bool = False
    counted_from: CountedFrom = Field(
        default=CountedFrom.DUE_DATE,
        description="due_date: the day is due date + offset; previous_step: the day the "
        "previous step was done + the difference of their offsets",
    )
    role: str | None = Field(
        default=None, description=f"whom it addresses: one of {', '.join(ROLES)}; none: billing"
    )


class ScenarioBody(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    steps: list[StepBody] = Field(min_length=1)
    amicable_days: int = Field(default=60, ge=MIN_AMICABLE_DAYS, le=MAX_AMICABLE_DAYS)
    change: str = Field(default="", max_length=500, description="why, for the history")


class NewScenario(ScenarioBody):
    code: Code


class ScenarioOut(BaseModel):
    code: str
    name: str
    version: int
    amicable_days: int
    steps: list[StepBody]
    changed_by: str
    changed_at: datetime
    change: str
    deleted: bool = False


class Switch(BaseModel):
    enabled: bool


def _domain(code: str, body: ScenarioBody) -> Scenario:
    steps = tuple(
        Step(
            s.offset_days,
            s.channel,
            s.template,
            s.mode,
            s.enabled,
            s.cc_sales_rep,
            s.counted_from,
            s.role,
        )
        for s in body.steps
    )
    try:
        return Scenario(code, body.name, steps, body.amicable_days)
    except InvalidScenario as exc:
        raise DomainError(exc.field, str(exc)) from exc


def _out(row) -> ScenarioOut:
    return ScenarioOut(
        code=row.code,
        name=row.name,
        version=row.version,
        amicable_days=row.amicable_days,
        steps=[StepBody(**s) for s in row.steps],
        changed_by=row.changed_by,
        changed_at=row.changed_at,
        change=row.change,
        deleted=row.deleted,
    )


async def _current(conn, tenant: str, code: str):
    versions = await versions_of.versions(conn, tenant, code)
    if not versions or versions[-1].deleted:
        raise NotFound("code", f"no scenario {code!r}")
    return versions[-1]


@router.get("", response_model=list[ScenarioOut])
async def list_scenarios(staff: Viewer, rt: RuntimeDep, parts: Parts) -> list[ScenarioOut]:
    async with rt.engine.begin() as conn:
        await parts.tenants.ensure(staff.tenant)
        rows = await tenants.current_versions(conn, staff.tenant)
    return [_out(r) for r in rows if not r.deleted]


@router.post("", response_model=ScenarioOut, status_code=status.HTTP_201_CREATED)
@forgets_rules
async def create_scenario(
    body: NewScenario, staff: Admin, rt: RuntimeDep, parts: Parts
) -> ScenarioOut:
    scenario = _domain(body.code, body)
    async with rt.engine.begin() as conn:
        await parts.tenants.ensure(staff.tenant)
        versions = await versions_of.versions(conn, staff.tenant, body.code)
        if versions and not versions[-1].deleted:
            raise Conflict("code", f"scenario {body.code!r} already exists")
        return _out(
            await versions_of.save(
                conn, staff.tenant, scenario, staff.name, body.change or "created"
            )
        )


@router.get("/{code}", response_model=ScenarioOut)
async def read_scenario(code: CodePath, staff: Viewer, rt: RuntimeDep, parts: Parts) -> ScenarioOut:
    async with rt.engine.begin() as conn:
        await parts.tenants.ensure(staff.tenant)
        return _out(await _current(conn, staff.tenant, code))


@router.get("/{code}/versions", response_model=list[ScenarioOut])
async def scenario_history(
    code: CodePath, staff: Viewer, rt: RuntimeDep, parts: Parts
) -> list[ScenarioOut]:
    """Every version, with who changed what and when."""
    async with rt.engine.begin() as conn:
        await parts.tenants.ensure(staff.tenant)
        versions = await versions_of.versions(conn, staff.tenant, code)
    if not versions:
        raise NotFound("code", f"no scenario {code!r}")
    return [_out(r) for r in versions]


@router.put("/{code}", response_model=ScenarioOut)
@forgets_rules
async def update_scenario(
    code: CodePath, body: ScenarioBody, staff: Admin, rt: RuntimeDep, parts: Parts
) -> ScenarioOut:
    """A new version: it applies to the steps not yet done of every invoice following it."""
    scenario = _domain(code, body)
    async with rt.engine.begin() as conn:
        await parts.tenants.ensure(staff.tenant)
        await _current(conn, staff.tenant, code)
        saved = _out(
            await versions_of.save(
                conn, staff.tenant, scenario, staff.name, body.change or "updated"
            )
        )
        await tenants.nudge(conn, staff.tenant, await parts.clock.now(conn), code)
        return saved


@router.patch("/{code}/steps/{offset_days}", response_model=ScenarioOut)
@forgets_rules
async def switch_step(
    code: CodePath, offset_days: int, body: Switch, staff: Admin, rt: RuntimeDep, parts: Parts
) -> ScenarioOut:
    """Switch one step on or off in one call (a new version)."""
    async with rt.engine.begin() as conn:
        await parts.tenants.ensure(staff.tenant)
        row = await _current(conn, staff.tenant, code)
        current = Scenario(code, row.name, steps_from_json(row.steps), row.amicable_days)
        try:
            changed = current.with_step_enabled(offset_days, body.enabled)
        except InvalidScenario as exc:
            raise NotFound("offset_days", str(exc)) from exc
        word = "on" if body.enabled else "off"
        saved = _out(
            await versions_of.save(
                conn, staff.tenant, changed, staff.name, f"step D{offset_days:+d} switched {word}"
            )
        )
        await tenants.nudge(conn, staff.tenant, await parts.clock.now(conn), code)
        return saved


@router.delete("/{code}", status_code=status.HTTP_204_NO_CONTENT)
@forgets_rules
async def delete_scenario(code: CodePath, staff: Admin, rt: RuntimeDep, parts: Parts) -> None:
    async with rt.engine.begin() as conn:
        await parts.tenants.ensure(staff.tenant)
        row = await _current(conn, staff.tenant, code)
        users = [
            p.code for p in await tenants.profiles(conn, staff.tenant) if p.scenario_code == code
        ]
        if users:
            raise Conflict("code", f"profiles {users} still use scenario {code!r}")
        named = [
            i for i, r in enumerate(await rules.of_tenant(conn, staff.tenant)) if r.scenario == code
        ]
        if named:
            raise Conflict("code", f"profile rules {named} still name scenario {code!r}")
        scenario = Scenario(code, row.name, steps_from_json(row.steps), row.amicable_days)
        await versions_of.save(conn, staff.tenant, scenario, staff.name, "deleted", deleted=True)
