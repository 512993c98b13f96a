"""Where an invoice stands in its scenario, and what it does when its time comes.

One track per invoice holds only its last step, its next step and that
step's ``due_at``; the rest of the plan is derived from the scenario.

Days: a step falls on ``anchor + offset_days + shift_days``. The anchor is the
due date (or the day a direct debit was rejected, on that short path);
``shift_days`` grows when a pause ends, so that re-timing never rewrites the
scenario:

- a dispute resolved after N days shifts the remaining steps by N days: the
  debtor gets the same time between steps as before the dispute, and the days
  spent in dispute do not count towards the end of the amicable phase;
- a broken promise shifts the remaining steps so that the next one falls on
  the day the grace ends ("at once"), the following ones keeping their spacing.

Catch-up: when a track comes due late (downtime, a clock moved by days), only
the most advanced step whose slot has come fires; the steps it overtakes are
recorded as skipped, never sent one per missed day.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from encaisse.scheduler.domain.scenarios import CountedFrom, Means, Scenario, Step

SlotFn = Callable[[date], datetime]  # a local day -> first open slot from it (aware)

SCENARIO_PATH = "scenario"
REJECTED_DEBIT_PATH = "rejected_debit"


class TrackState(StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    CLOSED = "closed"
    ESCALATED = "escalated"


class RejectedDebitPath:
    """The short path after a rejected direct debit: an email at once, a call the next working day.

    Its steps count from the day of the rejection; the sending window moves the
    call to the next open day. It has no end of its own: the scenario resumes.
    """

    steps = (Step(0, Means.EMAIL, "direct_debit_rejected"), Step(1, Means.CALL, "call"))
    code = REJECTED_DEBIT_PATH

    def planned(self) -> tuple[Step, ...]:
        return self.steps

    def step_after(self, last_offset: int | None) -> Step | None:
        return next(
            (s for s in self.steps if last_offset is None or s.offset_days > last_offset), None
        )

    def step_before(self, step: Step) -> Step | None:
        before = [s for s in self.steps if s.offset_days < step.offset_days]
        return before[-1] if before else None


REJECTED_DEBIT = RejectedDebitPath()
Plan = Scenario | RejectedDebitPath


@dataclass(frozen=True)
class Track:
    invoice_number: str
    customer_ref: str
    due_date: date
    open_balance: Decimal
    scenario_code: str = "standard"
    state: TrackState = TrackState.ACTIVE
    last_offset: int | None = None
    last_step_on: date | None = None  # the day the last step was done
    shift_days: int = 0
    path: str = SCENARIO_PATH
    path_anchor: date | None = None
    due_at: datetime | None = None
    pause_until: date | None = None
    paused_on: date | None = None
    excluded: bool = False

    @property
    def anchor(self) -> date:
        return (
            self.path_anchor
            if self.path == REJECTED_DEBIT_PATH and self.path_anchor
            else self.due_date
        )

    def day_of(self, step: Step) -> date:
        """The step's day counted from the due date (the anchor), with the pauses' shift."""
        return self.anchor + timedelta(days=step.offset_days + self.shift_days)


def step_day(track: Track, plan: Plan, step: Step) -> date:
    """The day ``step`` falls on for ``track``: counted from the due date, or from the day
    the previous step was done when the step says so and that step is the track's last
    (a step whose previous one was skipped or never done counts from the due date)."""
    if step.counted_from is CountedFrom.PREVIOUS_STEP and track.last_step_on is not None:
        before = plan.step_before(step)
        if before is not None and before.offset_days == track.last_offset:
            return track.last_step_on + timedelta(days=step.offset_days - before.offset_days)
    return track.day_of(step)


@dataclass(frozen=True)
class Advance:
    track: Track  # after the move
    fired: Step | None
    overtaken: tuple[Step, ...] = ()


def plan_next(track: Track, plan: Plan, slot: SlotFn) -> Track:
    """Set the track's next ``due_at`` from its last step (None when nothing is left)."""
    if track.state is not TrackState.ACTIVE:
        return track
    nxt = plan.step_after(track.last_offset)
    return replace(track, due_at=slot(step_day(track, plan, nxt)) if nxt else None)


def start(track: Track, scenario: Scenario, today: date, slot: SlotFn) -> Track:
    """A new (or re-planned) invoice: steps whose day is already past are not sent late.

    The most advanced step whose day has come stays due (it fires at the next
    run: catch-up sends one message, not one per missed step).
    """
    passed = [s for s in scenario.planned() if track.day_of(s) <= today]
    last = passed[-2].offset_days if len(passed) >= 2 else None
    return plan_next(
        replace(track, last_offset=last, path=SCENARIO_PATH, path_anchor=None), scenario, slot
    )


def join_case(track: Track, scenario: Scenario, today: date, slot: SlotFn) -> Track:
    """Per customer: a new invoice joins its customer's case with no step done for it; the
    day run decides for the customer from the invoice's first step's day (today at the
    earliest). Nothing is caught up: the customer's level says what comes next."""
    first = scenario.planned()[0]
    wake = min(slot(max(today, track.day_of(first))), slot(track.day_of(scenario.end)))
    return replace(track, last_offset=None, path=SCENARIO_PATH, path_anchor=None, due_at=wake)


def advance(track: Track, plan: Plan, now: datetime, today: date, slot: SlotFn) -> Advance:
    """Fire the most advanced step whose slot has come; the ones it overtakes are skipped."""
    come = []
    for step in plan.planned():
        if track.last_offset is not None and step.offset_days <= track.last_offset:
            continue
        if slot(step_day(track, plan, step)) > now:
            break  # slots grow with the steps' days
        come.append(step)
    if not come:
        return Advance(plan_next(track, plan, slot), None)
    fired = come[-1]
    moved = replace(track, last_offset=fired.offset_days, last_step_on=today)
    if fired.is_end:
        moved = replace(moved, state=TrackState.ESCALATED, due_at=None)
    else:
        moved = plan_next(moved, plan, slot)
    return Advance(moved, fired, tuple(come[:-1]))


def back_to_scenario(track: Track, scenario: Scenario, today: date, slot: SlotFn) -> Track:
    """After the rejected-debit path: the scenario goes on from today, without catch-up."""
    back = replace(track, path=SCENARIO_PATH, path_anchor=None)
    passed = [s for s in scenario.planned() if back.day_of(s) <= today]
    return plan_next(
        replace(back, last_offset=passed[-1].offset_days if passed else None), scenario, slot
    )


def reject_debit(track: Track, rejected_on: date, balance: Decimal, slot: SlotFn) -> Track:
    """A rejected direct debit re-opens the invoice on the short dedicated path."""
    reopened = replace(
        track,
        state=TrackState.ACTIVE,
        path=REJECTED_DEBIT_PATH,
        path_anchor=rejected_on,
        last_offset=None,
        open_balance=balance,
        pause_until=None,
        paused_on=None,
    )
    return plan_next(reopened, REJECTED_DEBIT, slot)


def pause_for_dispute(track: Track, today: date) -> Track:
    return replace(track, state=TrackState.PAUSED, paused_on=today, pause_until=None, due_at=None)


def pause_for_promise(
    track: Track, today: date, promised: date, grace_days: int, slot: SlotFn
) -> Track:
    """Wait until the promised date plus the grace; the wake-up is the track's ``due_at``."""
    until = promised + timedelta(days=grace_days)
    return replace(
        track,
        state=TrackState.PAUSED,
        paused_on=track.paused_on or today,
        pause_until=until,
        due_at=slot(until + timedelta(days=1)),
    )


def resume_after_dispute(track: Track, plan: Plan, today: date, slot: SlotFn) -> Track:
    """Remaining steps move by the days spent in dispute."""
    paused = (today - track.paused_on).days if track.paused_on else 0
    resumed = replace(
        track,
        state=TrackState.ACTIVE,
        shift_days=track.shift_days + paused,
        last_step_on=_later(track.last_step_on, paused),
        paused_on=None,
        pause_until=None,
    )
    return plan_next(resumed, plan, slot)


def _later(day: date | None, days: int) -> date | None:
    return None if day is None else day + timedelta(days=days)


def break_promise(track: Track, plan: Plan, today: date, slot: SlotFn) -> Track:
    """The promised money did not come: the next step falls today, the rest keep their spacing."""
    resumed = replace(track, state=TrackState.ACTIVE, paused_on=None, pause_until=None)
    nxt = plan.step_after(track.last_offset)
    if nxt is not None:
        late = (today - step_day(resumed, plan, nxt)).days
        resumed = replace(
            resumed,
            shift_days=resumed.shift_days + late,
            last_step_on=_later(resumed.last_step_on, late),
        )
    return plan_next(resumed, plan, slot)


def close(track: Track, balance: Decimal | None = None) -> Track:
    return replace(
        track,
        state=TrackState.CLOSED,
        due_at=None,
        pause_until=None,
        open_balance=track.open_balance if balance is None else balance,
    )
