"""Which profile and scenario a customer follows, chosen by the tenant's rules, and the
tenant's rules replaced (every customer chosen again).

The scenario a customer follows is, in this order: its own (chosen by staff for this
customer: ``own_scenario``), the matching rule's (``rule_scenario``), its profile's.

When a customer's profile is chosen again:
- on its customer event (segment, country, payment method, risk class changed);
- on a new invoice of a tenant whose rules look at the outstanding amount: the amount
  only grows then, and a customer passing a threshold is moved at once. Payments and
  other invoice changes do not move it: a customer paying half its debt is not moved to
  a softer path in the middle of its dunning (the next customer event or rule change
  settles it, and a staff member can choose a profile explicitly);
- for every customer of the tenant, when its rules change.
Live invoices of a moved customer follow the new scenario from their next step on, as
after a change of profile.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from encaisse.kit.failures import DomainError
from encaisse.scheduler.domain.rules import Choice, Customer, ProfileRule, choose, uses_amounts
from encaisse.scheduler.repository import rules as repo
from encaisse.scheduler.repository import tenants
from encaisse.scheduler.repository.rows import Conn, rules_customer
from encaisse.scheduler.repository.tenants import TenantRules

FALLBACK_SCENARIO = "standard"


def scenario_for(row: Any, rules: TenantRules, choice: Choice | None = None) -> str:
    """The scenario a customer (its row, or the choice just made for it) follows."""
    if row.own_scenario and row.own_scenario in rules.scenarios:
        return str(row.own_scenario)
    rule_scenario = choice.scenario if choice is not None else row.rule_scenario
    if rule_scenario and rule_scenario in rules.scenarios:
        return str(rule_scenario)
    profile = rules.profile(choice.profile if choice is not None else row.profile)
    return profile.scenario_code if profile is not None else FALLBACK_SCENARIO


async def choice_for(conn: Conn, row: Any, rules: TenantRules, **changes: Any) -> Choice:
    """The profile the rules give a customer (its row, with ``changes`` not yet stored)."""
    values = {**row._mapping, **changes}
    balances: Mapping[str, Decimal] = {}
    if uses_amounts(rules.rules):
        balances = (await repo.balances(conn, row.tenant, row.customer_ref)).get(
            row.customer_ref, {}
        )
    return choose(
        explicit=values["explicit_profile"],
        customer=Customer(
            values["segment"], values["country"], values["payment_method"], values["risk_class"]
        ),
        tenant_country=rules.settings.country,
        rules=rules.rules,
        profiles=rules.profiles,
        balances=balances,
    )


def check_rules(rules: tuple[ProfileRule, ...], known: TenantRules) -> None:
    """Every rule names a profile and a scenario (if any) the tenant has (not deleted)."""
    for i, rule in enumerate(rules):
        if known.profile(rule.profile) is None:
            raise DomainError(("rules", i, "profile"), f"no profile {rule.profile!r}")
        if rule.scenario is not None and rule.scenario not in known.scenarios:
            raise DomainError(("rules", i, "scenario"), f"no scenario {rule.scenario!r}")


async def replace_rules(
    conn: Conn, tenant: str, rules: tuple[ProfileRule, ...], by: str, now: datetime
) -> int:
    """The tenant's rules replaced; every customer chosen again (the number moved)."""
    known = tenants.TenantRules(
        await tenants.tenant_settings(conn, tenant),
        await tenants.scenarios(conn, tenant),
        await tenants.profiles(conn, tenant),
        rules,
    )
    check_rules(rules, known)
    await repo.replace_all(conn, tenant, rules, by)
    return await rechoose_all(conn, tenant, known, now)


async def rechoose_all(conn: Conn, tenant: str, rules: TenantRules, now: datetime) -> int:
    """Choose every customer's profile again; the moved ones' live invoices follow their
    new scenario (re-timed by the next run). The number of customers moved."""
    owed = await repo.balances(conn, tenant) if uses_amounts(rules.rules) else {}
    changes, moves = [], []
    for row in await repo.customers(conn, tenant):
        choice = choose(
            explicit=row.explicit_profile,
            customer=rules_customer(row),
            tenant_country=rules.settings.country,
            rules=rules.rules,
            profiles=rules.profiles,
            balances=owed.get(row.customer_ref, {}),
        )
        if (choice.profile, choice.scenario) == (row.profile, row.rule_scenario):
            continue
        changes.append(
            {"ref": row.customer_ref, "to_profile": choice.profile, "to_scenario": choice.scenario}
        )
        if scenario_for(row, rules, choice) != scenario_for(row, rules):
            moves.append({"ref": row.customer_ref, "to_code": scenario_for(row, rules, choice)})
    await repo.set_profiles(conn, tenant, changes)
    await repo.follow(conn, tenant, moves)
    if moves:
        await tenants.nudge(conn, tenant, now)
    return len(changes)
