"""A person's casework around the scenario: why a customer pays late (a call's outcome),
when a staff exclusion ends, when a formal notice's deadline sends the case on.

Pure rules; the time is a parameter.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from enum import StrEnum

from encaisse.scheduler.domain.planning import Plan, SlotFn, Track, TrackState, plan_next


class LatenessCause(StrEnum):
    """Why the customer has not paid, as a collector learnt it on a call (counted per
    tenant: the console's anomaly and cause reports)."""

    FORGOTTEN = "forgotten"
    INVOICE_NOT_RECEIVED = "invoice_not_received"
    PERSON_ABSENT = "person_absent"
    CASH_DIFFICULTIES = "cash_difficulties"
    INTERNAL_VALIDATION = "internal_validation"
    DISPUTED = "disputed"
    OTHER = "other"


def lapsed(until: date | None, today: date) -> bool:
    """An exclusion with an end date lapses on that day: automation resumes on ``until``
    (the customer's day), so the end date is the first day dunned again."""
    return until is not None and until <= today


def resume_after_exclusion(track: Track, plan: Plan, today: date, slot: SlotFn) -> Track:
    """An exclusion ends: the track goes on without a catch-up burst.

    Of the steps whose day passed while the customer was excluded, only the most advanced
    is sent, today (the day run records the ones it overtakes as skipped, as after any
    downtime); the remaining steps are shifted with it, so they keep their spacing after
    it instead of following the next day. A track whose next step is still to come keeps
    its days.
    """
    if track.state is not TrackState.ACTIVE:
        return track
    come = [
        s
        for s in plan.planned()
        if (track.last_offset is None or s.offset_days > track.last_offset)
        and track.day_of(s) <= today
    ]
    if come:
        late = (today - track.day_of(come[-1])).days
        track = replace(track, shift_days=track.shift_days + late)
    return plan_next(track, plan, slot)


def end_after_notice(
    track: Track, plan: Plan, delivered_on: date, deadline_days: int, slot: SlotFn
) -> Track:
    """A formal notice delivered on ``delivered_on`` gives the debtor ``deadline_days`` to
    pay; the day after that deadline the invoice goes to the end of the amicable phase
    (escalation), not on the scenario's fixed day. The remaining steps move with it (one
    shift, as after a pause), so their spacing to the end is kept.

    Only live invoices move: a paid (closed) or already escalated one is left as it is.
    A plan without an end of its own (the rejected-debit path) is left as it is too.
    """
    if track.state not in (TrackState.ACTIVE, TrackState.PAUSED):
        return track
    end = next((s for s in plan.planned() if s.is_end), None)
    if end is None or (track.last_offset is not None and track.last_offset >= end.offset_days):
        return track
    target = delivered_on + timedelta(days=deadline_days + 1)
    moved = replace(track, shift_days=track.shift_days + (target - track.day_of(end)).days)
    return plan_next(moved, plan, slot)
