"""The tenant's profile rules: the ordered list that chooses each customer's profile (and
possibly its scenario), read and replaced as a whole."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter
from pydantic import BaseModel, Field

from encaisse.contracts.ledger import PaymentMethod, Segment
from encaisse.kit.auth import Admin, Viewer
from encaisse.kit.failures import DomainError
from encaisse.scheduler.api.deps import Parts, RuntimeDep, forgets_rules
from encaisse.scheduler.domain.rules import Outstanding, ProfileRule
from encaisse.scheduler.domain.scenarios import InvalidScenario
from encaisse.scheduler.repository import rules as repo
from encaisse.scheduler.usecases.profiles import replace_rules

router = APIRouter(prefix="/v1", tags=["profiles"])
CODE = r"^[a-z0-9_]{1,64}$"


class AmountBody(BaseModel):
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    minimum: Decimal | None = Field(default=None, ge=0)
    maximum: Decimal | None = Field(default=None, ge=0)


class RuleBody(BaseModel):
    """Every condition given must hold; one left empty holds for every customer."""

    profile: str = Field(pattern=CODE)
    scenario: str | None = Field(
        default=None, pattern=CODE, description="over the profile's scenario"
    )
    segments: list[Segment] = Field(default_factory=list)
    countries: list[Annotated[str, Field(pattern=r"^[A-Z]{2}$")]] = Field(default_factory=list)
    abroad: bool | None = Field(
        default=None, description="true: a country other than the tenant's; false: its own"
    )
    payment_methods: list[PaymentMethod] = Field(default_factory=list)
    risk_classes: list[Annotated[str, Field(pattern=r"^[a-z0-9_]{1,32}$")]] = Field(
        default_factory=list, description="the tenant's own grades, such as high"
    )
    outstanding: AmountBody | None = Field(
        default=None,
        description="the customer's open balance in this currency (never summed across currencies)",
    )

    def rule(self, i: int) -> ProfileRule:
        try:
            outstanding = (
                Outstanding(
                    self.outstanding.currency, self.outstanding.minimum, self.outstanding.maximum
                )
                if self.outstanding
                else None
            )
        except InvalidScenario as exc:
            raise DomainError(("rules", i, "outstanding"), str(exc)) from exc
        return ProfileRule(
            self.profile,
            self.scenario,
            tuple(s.value for s in self.segments),
            tuple(self.countries),
            self.abroad,
            tuple(m.value for m in self.payment_methods),
            tuple(self.risk_classes),
            outstanding,
        )


class RulesBody(BaseModel):
    rules: list[RuleBody] = Field(max_length=100, description="in order: the first that holds wins")


class RulesOut(RulesBody):
    changed_by: str | None
    changed_at: datetime | None
    moved: int | None = Field(default=None, description="customers whose profile this changed")


def _body(rule: ProfileRule) -> RuleBody:
    o = rule.outstanding
    return RuleBody(
        profile=rule.profile,
        scenario=rule.scenario,
        segments=[Segment(s) for s in rule.segments],
        countries=list(rule.countries),
        abroad=rule.abroad,
        payment_methods=[PaymentMethod(m) for m in rule.payment_methods],
        risk_classes=list(rule.risk_classes),
        outstanding=AmountBody(currency=o.currency, minimum=o.minimum, maximum=o.maximum)
        if o
        else None,
    )


@router.get("/profile-rules", response_model=RulesOut)
async def read_rules(staff: Viewer, rt: RuntimeDep, parts: Parts) -> RulesOut:
    """The rules in order; before them, a customer's explicit profile; after them (none
    holds), the standard profile."""
    async with rt.engine.begin() as conn:
        await parts.tenants.ensure(staff.tenant)
        rules = await repo.of_tenant(conn, staff.tenant)
        by, at = await repo.changed_by(conn, staff.tenant) or (None, None)
    return RulesOut(rules=[_body(r) for r in rules], changed_by=by, changed_at=at)


@router.put("/profile-rules", response_model=RulesOut)
@forgets_rules
async def write_rules(body: RulesBody, staff: Admin, rt: RuntimeDep, parts: Parts) -> RulesOut:
    """Replace the whole list; every customer's profile is chosen again now, and the live
    invoices of those moved follow their new scenario from their next step on."""
    rules = tuple(r.rule(i) for i, r in enumerate(body.rules))
    async with rt.engine.begin() as conn:
        await parts.tenants.ensure(staff.tenant)
        moved = await replace_rules(
            conn, staff.tenant, rules, staff.name, await parts.clock.now(conn)
        )
        by, at = await repo.changed_by(conn, staff.tenant) or (None, None)
    return RulesOut(rules=body.rules, changed_by=by, changed_at=at, moved=moved)
