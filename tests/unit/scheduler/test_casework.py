"""Pure casework rules: an exclusion that ends resumes without a burst, a formal notice
delivered moves the end of the amicable phase, the causes of lateness."""

from datetime import date, timedelta
from decimal import Decimal

from encaisse.scheduler.domain.casework import (
    LatenessCause,
    end_after_notice,
    lapsed,
    resume_after_exclusion,
)
from encaisse.scheduler.domain.contacts import Contacts
from encaisse.scheduler.domain.day import customer_slot
from encaisse.scheduler.domain.defaults import DEFAULT_SCENARIOS
from encaisse.scheduler.domain.planning import REJECTED_DEBIT, Track, TrackState, advance
from encaisse.scheduler.domain.windows import SendingWindow

STANDARD = {s.code: s for s in DEFAULT_SCENARIOS}["standard"]
SLOT = customer_slot(Contacts("C1", "Alice", email="a@x.fr"), SendingWindow())
DUE = date(2026, 3, 16)  # a Monday


def track(**kw) -> Track:
    return Track("F1", "C1", DUE, Decimal("100"), **kw)


def test_an_exclusion_lapses_on_its_end_date_and_not_before():
    assert not lapsed(None, DUE)
    assert not lapsed(DUE + timedelta(days=1), DUE)
    assert lapsed(DUE, DUE) and lapsed(DUE, DUE + timedelta(days=3))


def test_the_end_of_an_exclusion_sends_only_the_most_advanced_step_and_keeps_the_spacing():
    today = DUE + timedelta(days=10)  # excluded from D-8: D-7 and D+7 passed meanwhile
    resumed = resume_after_exclusion(track(), STANDARD, today, SLOT)
    assert resumed.shift_days == 3  # D+7 falls today
    assert resumed.due_at is not None and resumed.due_at.date() <= today
    fired = advance(resumed, STANDARD, SLOT(today), today, SLOT)
    assert fired.fired is not None and fired.fired.template == "first_reminder"
    assert [s.template for s in fired.overtaken] == ["courtesy_reminder"]
    # the next step keeps its week after it, not the day after
    assert fired.track.due_at == SLOT(DUE + timedelta(days=14 + 3))


def test_an_exclusion_ended_before_the_next_step_changes_nothing():
    t = track(last_offset=7)
    resumed = resume_after_exclusion(t, STANDARD, DUE + timedelta(days=10), SLOT)
    assert resumed.shift_days == 0 and resumed.due_at == SLOT(DUE + timedelta(days=14))
    paused = track(state=TrackState.PAUSED)
    assert resume_after_exclusion(paused, STANDARD, DUE + timedelta(days=40), SLOT) == paused


def test_a_delivered_notice_ends_the_amicable_phase_the_day_after_its_deadline():
    t = track(last_offset=35)  # the D+35 formal notice was sent
    delivered = DUE + timedelta(days=37)
    moved = end_after_notice(t, STANDARD, delivered, 8, SLOT)
    end_day = delivered + timedelta(days=9)  # the deadline is D+45, the end D+46
    assert moved.day_of(STANDARD.end) == end_day
    assert moved.due_at == SLOT(end_day)
    assert STANDARD.end.offset_days == 60  # not the fixed D+60
    late = advance(
        moved, STANDARD, SLOT(end_day - timedelta(days=1)), end_day - timedelta(days=1), SLOT
    )
    assert late.fired is None
    ends = advance(moved, STANDARD, SLOT(end_day), end_day, SLOT)
    assert ends.fired == STANDARD.end and ends.track.state is TrackState.ESCALATED


def test_a_paid_or_escalated_invoice_is_not_moved_by_a_notice():
    for state in (TrackState.CLOSED, TrackState.ESCALATED):
        t = track(last_offset=35, state=state)
        assert end_after_notice(t, STANDARD, DUE + timedelta(days=37), 8, SLOT) == t
    on_path = track(path="rejected_debit", path_anchor=DUE)
    assert end_after_notice(on_path, REJECTED_DEBIT, DUE, 8, SLOT) == on_path


def test_the_causes_of_lateness():
    assert [c.value for c in LatenessCause] == [
        "forgotten",
        "invoice_not_received",
        "person_absent",
        "cash_difficulties",
        "internal_validation",
        "disputed",
        "other",
    ]
