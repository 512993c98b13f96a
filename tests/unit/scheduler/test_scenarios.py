import pytest

from encaisse.scheduler.domain.defaults import DEFAULT_SCENARIOS
from encaisse.scheduler.domain.scenarios import InvalidScenario, Means, Mode, Scenario, Step

SCENARIOS = {s.code: s for s in DEFAULT_SCENARIOS}


def _days(code):
    return [(s.offset_days, s.channel.value) for s in SCENARIOS[code].planned()]


def test_default_scenarios_follow_the_practitioners_procedures():
    assert _days("standard") == [
        (-7, "email"),
        (7, "email"),
        (14, "email"),
        (21, "call"),
        (28, "letter"),
        (35, "registered_letter"),
        (60, "internal_escalation"),
    ]
    assert _days("key_account") == [
        (-15, "call"),
        (-5, "email"),
        (5, "call"),
        (15, "email"),
        (30, "internal_escalation"),
        (45, "registered_letter"),
        (60, "internal_escalation"),
    ]
    assert SCENARIOS["key_account"].step_at(45).mode is Mode.VALIDATE
    assert _days("export") == [
        (-7, "email"),
        (7, "email"),
        (14, "email"),
        (21, "call"),
        (28, "email"),
        (35, "registered_letter"),
        (60, "internal_escalation"),
    ]
    assert _days("public_body") == [
        (-7, "email"),
        (15, "email"),
        (30, "call"),
        (45, "letter"),
        (60, "internal_escalation"),
    ]
    assert SCENARIOS["standard"].step_at(-7).template == "courtesy_reminder"
    assert SCENARIOS["standard"].step_at(35).template == "formal_notice"
    assert all(s.planned()[-1].is_end for s in DEFAULT_SCENARIOS)


def test_a_scenario_refuses_two_steps_on_one_day_and_an_amicable_phase_past_90_days():
    with pytest.raises(InvalidScenario) as err:
        Scenario("x", "x", (Step(7, Means.EMAIL, "a"), Step(7, Means.SMS, "b")))
    assert err.value.field == "steps"
    with pytest.raises(InvalidScenario) as err:
        Scenario("x", "x", (Step(7, Means.EMAIL, "a"),), amicable_days=91)
    assert err.value.field == "amicable_days"
    with pytest.raises(InvalidScenario):
        Scenario("x", "x", (Step(75, Means.EMAIL, "a"),), amicable_days=70)
    longer = Scenario("x", "x", (Step(75, Means.EMAIL, "a"),), amicable_days=90)
    assert longer.end.offset_days == 90


def test_a_disabled_step_is_not_planned_and_can_be_switched_back_on():
    off = SCENARIOS["standard"].with_step_enabled(21, False)
    assert 21 not in [s.offset_days for s in off.planned()]
    assert off.step_after(14).offset_days == 28
    assert off.with_step_enabled(21, True).step_after(14).offset_days == 21
    with pytest.raises(InvalidScenario):
        off.with_step_enabled(22, True)
