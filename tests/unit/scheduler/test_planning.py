from datetime import UTC, date, datetime
from decimal import Decimal

from encaisse.scheduler.domain.contacts import Contacts
from encaisse.scheduler.domain.day import customer_slot, decide, plans_from
from encaisse.scheduler.domain.defaults import DEFAULT_SCENARIOS
from encaisse.scheduler.domain.payments import Paid, thank_you_invoices
from encaisse.scheduler.domain.planning import (
    REJECTED_DEBIT,
    Track,
    TrackState,
    advance,
    break_promise,
    pause_for_dispute,
    pause_for_promise,
    plan_next,
    reject_debit,
    resume_after_dispute,
    start,
)
from encaisse.scheduler.domain.pressure import History
from encaisse.scheduler.domain.scenarios import Means, Mode
from encaisse.scheduler.domain.windows import SendingWindow

SCENARIOS = {s.code: s for s in DEFAULT_SCENARIOS}
STANDARD = SCENARIOS["standard"]
WINDOW = SendingWindow()
ALICE = Contacts("C1", "Alice SARL", email="a@x.fr", phone="+33600000000", has_address=True)
SLOT = customer_slot(ALICE, WINDOW)
PLANS = plans_from(SCENARIOS)


def at(day: date, hour: int = 10) -> datetime:
    """``hour`` o'clock in Paris (winter/summer handled by going through the slot)."""
    return datetime(day.year, day.month, day.day, hour - 1, tzinfo=UTC)


def track(number="F1", due=date(2026, 3, 16), **kw) -> Track:
    return Track(number, "C1", due, Decimal("100"), **kw)


def test_a_new_invoice_plans_its_first_step_in_the_window():
    t = start(track(), STANDARD, date(2026, 3, 1), SLOT)
    assert t.last_offset is None
    assert t.due_at == datetime(2026, 3, 9, 8, 0, tzinfo=UTC)  # D-7, Monday 09:00 Paris


def test_an_old_invoice_fires_only_its_most_advanced_past_step():
    t = start(track(due=date(2026, 1, 5)), STANDARD, date(2026, 1, 20), SLOT)
    assert t.last_offset == 7  # D+14 is next: D-7 and D+7 are not sent late
    moved = advance(t, STANDARD, at(date(2026, 1, 20)), date(2026, 1, 20), SLOT)
    assert moved.fired.offset_days == 14
    assert moved.track.due_at == SLOT(date(2026, 1, 26))


def test_after_downtime_only_the_most_advanced_missed_step_fires():
    t = start(track(), STANDARD, date(2026, 3, 1), SLOT)
    moved = advance(
        t, STANDARD, at(date(2026, 4, 1)), date(2026, 4, 1), SLOT
    )  # D+16: D-7, D+7, D+14 missed
    assert moved.fired.offset_days == 14
    assert [s.offset_days for s in moved.overtaken] == [-7, 7]
    assert moved.track.last_offset == 14
    assert moved.track.due_at == SLOT(date(2026, 4, 6))  # D+21


def test_the_end_of_the_amicable_phase_escalates():
    t = track(last_offset=35, due_at=SLOT(date(2026, 5, 15)))
    moved = advance(t, STANDARD, at(date(2026, 5, 15)), date(2026, 5, 15), SLOT)
    assert moved.fired.is_end and moved.track.state is TrackState.ESCALATED
    assert moved.track.due_at is None


def test_a_resolved_dispute_shifts_the_remaining_steps_by_the_days_in_dispute():
    t = plan_next(track(last_offset=7), STANDARD, SLOT)
    paused = pause_for_dispute(t, date(2026, 3, 25))
    assert paused.due_at is None and paused.state is TrackState.PAUSED
    resumed = resume_after_dispute(paused, STANDARD, date(2026, 4, 4), SLOT)
    assert resumed.shift_days == 10
    assert resumed.day_of(STANDARD.step_at(14)) == date(2026, 4, 9)  # 30 March + 10 days
    assert resumed.day_of(STANDARD.end) == date(2026, 5, 25)


def test_a_broken_promise_fires_the_next_step_when_the_grace_ends():
    t = plan_next(track(last_offset=7), STANDARD, SLOT)
    paused = pause_for_promise(t, date(2026, 3, 24), date(2026, 4, 10), 3, SLOT)
    assert paused.pause_until == date(2026, 4, 13)
    assert paused.due_at == SLOT(date(2026, 4, 14))
    broken = break_promise(paused, STANDARD, date(2026, 4, 14), SLOT)
    assert broken.state is TrackState.ACTIVE
    assert broken.day_of(STANDARD.step_at(14)) == date(2026, 4, 14)
    assert broken.day_of(STANDARD.step_at(21)) == date(2026, 4, 21)


def test_a_rejected_debit_takes_the_short_path_then_the_scenario_goes_on_without_catch_up():
    closed = track(state=TrackState.CLOSED, last_offset=7)
    t = reject_debit(closed, date(2026, 4, 3), Decimal("100"), SLOT)  # a Friday
    assert t.state is TrackState.ACTIVE and t.due_at == SLOT(date(2026, 4, 3))
    d1 = decide(ALICE, [t], PLANS, WINDOW, at(date(2026, 4, 3)))
    assert [(g.channel, g.step.template) for g in d1.groups] == [
        (Means.EMAIL, "direct_debit_rejected")
    ]
    after = d1.tracks[0]
    assert after.due_at == SLOT(date(2026, 4, 6))  # Monday 6 April: Easter Monday is a holiday
    assert after.due_at.date() == date(2026, 4, 7)
    d2 = decide(ALICE, [after], PLANS, WINDOW, at(date(2026, 4, 7)))
    assert [(g.channel, g.mode) for g in d2.groups] == [(Means.CALL, Mode.MANUAL)]
    back = d2.tracks[0]
    assert back.path == "scenario" and back.last_offset == 21  # 16 March + 21 = 6 April
    assert back.due_at == SLOT(date(2026, 4, 13))  # D+28 letter, not the missed ones
    assert REJECTED_DEBIT.step_after(1) is None


def test_same_day_same_channel_actions_are_one_message_with_the_most_advanced_template():
    a = track("F1", date(2026, 3, 2), last_offset=7, due_at=SLOT(date(2026, 3, 16)))
    b = track("F2", date(2026, 3, 23), due_at=SLOT(date(2026, 3, 16)))
    c = track("F3", date(2026, 3, 9), last_offset=-7, due_at=SLOT(date(2026, 3, 16)))
    d = decide(ALICE, [a, b, c], PLANS, WINDOW, at(date(2026, 3, 16)))
    assert len(d.groups) == 1
    g = d.groups[0]
    assert g.channel is Means.EMAIL and g.invoice_numbers == ("F1", "F2", "F3")
    assert g.step.template == "second_reminder" and g.cc_sales_rep


def test_a_channel_already_used_today_waits_for_the_next_open_day():
    a = track(due_at=SLOT(date(2026, 3, 9)))
    used = History.of([("email", date(2026, 3, 9))])
    d = decide(ALICE, [a], PLANS, WINDOW, at(date(2026, 3, 9)), used)
    assert d.groups == [] and d.tracks[0].due_at == SLOT(date(2026, 3, 10))
    assert d.tracks[0].last_offset is None


def test_no_email_gets_the_letter_and_call_path_and_no_address_asks_to_complete_the_record():
    nomail = Contacts("C1", phone="+33600000000")
    t = track(due_at=SLOT(date(2026, 3, 9)))
    d = decide(nomail, [t], PLANS, WINDOW, at(date(2026, 3, 9)))
    assert [g.channel for g in d.groups] == [Means.SMS]  # a courtesy goes by SMS
    assert not d.collect_email  # nothing is late yet
    first = track(last_offset=-7, due_at=SLOT(date(2026, 3, 23)))
    d = decide(nomail, [first], PLANS, WINDOW, at(date(2026, 3, 23)))
    assert d.groups == [] and d.complete_record and d.collect_email  # a letter, no address
    assert d.skipped[0].reason == "no valid postal address"
    letter = track(last_offset=21, due_at=SLOT(date(2026, 4, 13)))
    d = decide(nomail, [letter], PLANS, WINDOW, at(date(2026, 4, 13)))
    assert d.groups == [] and d.complete_record
    assert d.skipped[0].reason == "no valid postal address"


def test_an_excluded_invoice_gets_nothing():
    t = track(due_at=SLOT(date(2026, 3, 9)), excluded=True)
    d = decide(ALICE, [t], PLANS, WINDOW, at(date(2026, 3, 9)))
    assert d.groups == [] and d.skipped[0].reason == "invoice excluded"


def test_validate_mode_and_calls():
    key = SCENARIOS["key_account"]
    t = track(scenario_code="key_account", last_offset=30, due_at=SLOT(date(2026, 4, 30)))
    d = decide(ALICE, [t], PLANS, WINDOW, at(date(2026, 4, 30)))
    assert d.groups[0].mode is Mode.VALIDATE and d.groups[0].channel is Means.REGISTERED_LETTER
    assert key.step_at(45).mode is Mode.VALIDATE


def test_thank_you_when_the_payment_settles_a_followed_invoice_reminded_or_not():
    followed = {
        "F1": track("F1", last_offset=7),
        "F2": track("F2"),
        "F3": track("F3", excluded=True),
    }
    paid = [Paid("F1", Decimal("100"), Decimal("0")), Paid("F2", Decimal("50"), Decimal("50"))]
    assert thank_you_invoices(paid, followed) == ("F1", "F2")  # what it paid, part included
    # never reminded: settled all the same, so thanked all the same
    assert thank_you_invoices([Paid("F2", Decimal("100"), Decimal("0"))], followed) == ("F2",)
    # paid in part only: nothing settled, no thank-you
    assert thank_you_invoices(paid[1:], followed) == ()
    # what it settled is excluded, or not followed here: no thank-you for the part payment
    assert thank_you_invoices([Paid("F3", Decimal("10"), Decimal("0")), paid[1]], followed) == ()
    assert thank_you_invoices([Paid("F9", Decimal("10"), Decimal("0")), paid[1]], followed) == ()


def test_a_promise_holds_until_its_grace_ends_then_the_next_step_fires():
    t = plan_next(track(last_offset=7), STANDARD, SLOT)
    paused = pause_for_promise(t, date(2026, 3, 24), date(2026, 4, 1), 3, SLOT)  # until 4 April
    held = decide(ALICE, [paused], PLANS, WINDOW, at(date(2026, 4, 2)))
    assert held.groups == [] and held.promises_broken == [] and held.tracks == [paused]
    broken = decide(ALICE, [paused], PLANS, WINDOW, at(date(2026, 4, 7)))  # 6 April: Easter
    assert broken.promises_broken == ["F1"]
    assert [(g.channel, g.step.offset_days) for g in broken.groups] == [(Means.EMAIL, 14)]


def test_a_step_already_late_waits_for_the_window_like_any_other():
    """Imported on a Friday at 19:00 Paris, long overdue: nothing leaves before Monday 09:00;
    at 08:00 on a weekday, nothing before 09:00."""
    late = track(due=date(2026, 3, 2), due_at=SLOT(date(2026, 3, 9)))  # D+7 is past
    friday_evening = at(date(2026, 3, 13), 19)
    d = decide(ALICE, [late], PLANS, WINDOW, friday_evening)
    assert d.groups == [] and d.skipped == []
    assert d.tracks[0].due_at == SLOT(date(2026, 3, 16)) == at(date(2026, 3, 16), 9)
    assert d.tracks[0].last_offset is None  # nothing advanced: it is decided in the window
    early = decide(ALICE, [late], PLANS, WINDOW, at(date(2026, 3, 17), 8))
    assert early.groups == [] and early.tracks[0].due_at == at(date(2026, 3, 17), 9)
    opened = decide(ALICE, [early.tracks[0]], PLANS, WINDOW, at(date(2026, 3, 17), 9))
    assert [g.channel for g in opened.groups] == [Means.EMAIL]
