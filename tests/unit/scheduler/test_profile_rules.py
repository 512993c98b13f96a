"""Profile rules: the first that holds wins, the explicit profile before them, amounts in
one currency at a time; the defaults reproduce the choice made before rules."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from encaisse.scheduler.domain.defaults import DEFAULT_PROFILES, DEFAULT_SCENARIOS
from encaisse.scheduler.domain.rules import (
    DEFAULT_RULES,
    Choice,
    Customer,
    Outstanding,
    ProfileRule,
    choose,
)
from encaisse.scheduler.domain.scenarios import InvalidScenario, Means

SCENARIOS = {s.code: s for s in DEFAULT_SCENARIOS}
SEGMENTS = ("sme", "key_account", "export", "public", "individual")
METHODS = ("transfer", "cheque", "card", "direct_debit")


def _choose(customer, rules=DEFAULT_RULES, explicit=None, balances=None):
    return choose(
        explicit=explicit,
        customer=customer,
        tenant_country="FR",
        rules=rules,
        profiles=DEFAULT_PROFILES,
        balances=balances,
    )


def test_the_defaults_reproduce_the_old_choice_plus_risky():
    assert _choose(Customer("sme", "DE"), explicit="public_body") == Choice("public_body")
    assert _choose(Customer("sme", "DE")) == Choice("export")
    assert _choose(Customer("key_account", "FR")) == Choice("key_account")
    assert _choose(Customer("public", "FR")) == Choice("public_body")
    assert _choose(Customer("individual", "FR")) == Choice("standard")
    assert _choose(Customer("sme", "FR"), explicit="nonexistent") == Choice("standard")
    assert _choose(Customer("sme", "FR", "transfer", "high")) == Choice("risky")
    assert _choose(Customer("sme", "FR", "transfer", "low")) == Choice("standard")


def test_five_default_profiles_each_with_its_scenario_and_risky_presses_harder():
    assert [p.code for p in DEFAULT_PROFILES] == [
        "standard",
        "key_account",
        "export",
        "public_body",
        "risky",
    ]
    assert all(p.scenario_code in SCENARIOS for p in DEFAULT_PROFILES)
    risky, standard = DEFAULT_PROFILES[4], DEFAULT_PROFILES[0]
    assert risky.policy.min_gap_days < standard.policy.min_gap_days
    first_overdue = {
        code: next(s.offset_days for s in SCENARIOS[code].steps if s.offset_days > 0)
        for code in ("risky", "standard")
    }
    assert first_overdue["risky"] < first_overdue["standard"]
    notice = {
        code: next(s.offset_days for s in SCENARIOS[code].steps if s.template == "formal_notice")
        for code in ("risky", "standard")
    }
    assert notice["risky"] < notice["standard"]


def test_the_ready_made_scenarios_direct_debit_and_internal_account():
    debit = SCENARIOS["direct_debit"]
    assert "courtesy_reminder" not in [s.template for s in debit.steps]
    assert all(s.offset_days > 0 for s in debit.steps)
    internal = SCENARIOS["internal_account"]
    channels = {s.channel for s in internal.steps}
    assert channels == {Means.EMAIL, Means.INTERNAL_ESCALATION}
    assert [s.template for s in internal.steps if s.channel is Means.INTERNAL_ESCALATION] == [
        "account_manager_escalation"
    ]
    # attached to no profile by default: a tenant attaches them by a rule
    assert not {"direct_debit", "internal_account"} & {p.scenario_code for p in DEFAULT_PROFILES}


def test_a_rule_attaches_each_ready_made_scenario():
    rules = (
        ProfileRule("standard", "internal_account", risk_classes=("group",)),
        ProfileRule("standard", "direct_debit", payment_methods=("direct_debit",)),
        *DEFAULT_RULES,
    )
    assert _choose(Customer("sme", "FR", "direct_debit"), rules) == Choice(
        "standard", "direct_debit"
    )
    assert _choose(Customer("sme", "FR", "direct_debit", "group"), rules) == Choice(
        "standard", "internal_account"
    )
    assert _choose(Customer("sme", "FR", "transfer"), rules) == Choice("standard")


def test_countries_one_or_a_list_and_the_outstanding_amount_in_one_currency():
    rules = (
        ProfileRule("key_account", outstanding=Outstanding("EUR", minimum=Decimal(50_000))),
        ProfileRule("export", countries=("BE", "LU")),
        ProfileRule("public_body", outstanding=Outstanding("USD", maximum=Decimal(100))),
    )
    big = {"EUR": Decimal(40_000), "USD": Decimal(20_000)}  # never 60,000 "in EUR"
    assert _choose(Customer("sme", "FR"), rules, balances=big) == Choice("standard")
    assert _choose(Customer("sme", "FR"), rules, balances={"EUR": Decimal(50_000)}) == Choice(
        "key_account"
    )
    assert _choose(Customer("sme", "LU"), rules, balances=big) == Choice("export")
    assert _choose(Customer("sme", "FR"), rules, balances={}) == Choice("public_body")


def test_a_rule_naming_an_unknown_profile_is_passed_over():
    rules = (ProfileRule("gone", segments=("sme",)), ProfileRule("export"))
    assert _choose(Customer("sme", "FR"), rules) == Choice("export")


def test_an_amount_condition_needs_a_bound_and_an_order():
    with pytest.raises(InvalidScenario) as no_bound:
        Outstanding("EUR")
    assert no_bound.value.field == "outstanding"
    with pytest.raises(InvalidScenario):
        Outstanding("EUR", Decimal(10), Decimal(5))


customers = st.builds(
    Customer,
    st.sampled_from(SEGMENTS),
    st.sampled_from(("FR", "DE", "BE")),
    st.sampled_from(METHODS),
    st.sampled_from((None, "low", "high")),
)
rules_st = st.lists(
    st.builds(
        ProfileRule,
        st.sampled_from([p.code for p in DEFAULT_PROFILES]),
        st.none(),
        st.lists(st.sampled_from(SEGMENTS), max_size=2).map(tuple),
        st.lists(st.sampled_from(("FR", "DE", "BE")), max_size=2).map(tuple),
        st.sampled_from((None, True, False)),
        st.lists(st.sampled_from(METHODS), max_size=2).map(tuple),
        st.lists(st.sampled_from(("low", "high")), max_size=1).map(tuple),
    ),
    max_size=6,
).map(tuple)


@given(customers, rules_st)
def test_the_first_rule_that_holds_wins_and_an_explicit_profile_beats_them(customer, rules):
    got = _choose(customer, rules)
    holding = [r for r in rules if r.matches(customer, "FR", {})]
    assert got.profile == (holding[0].profile if holding else "standard")
    assert _choose(customer, rules, explicit="public_body") == Choice("public_body")
