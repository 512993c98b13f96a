"""Dunning per customer: one level per customer, one statement per act, acts a gap apart.

Credit teams dun customers, not invoices. Under ``per_customer`` the customer's case has
a level, the last step done for it; each act is one message (or call) listing the whole
position, and two client-facing acts are at least ``Policy.min_gap_days`` apart.

How the level is kept: each invoice's track remembers the last step that *demanded* it
(``last_offset``, ``last_step_on``). The level is that of the customer's most advanced
overdue invoice (the highest ``last_offset``; of equals, the oldest due date), the
*reference* invoice. The next step is the scenario's step after the level; it is due
when its day has come for the reference invoice (counted from its due date, or from the
day the previous step was done) and the gap and the weekly cap allow a contact.

- One step at a time after the due date: a customer found 50 days late (a first import,
  a long pause) gets the first reminder, then the next a gap later; never a burst, and
  never a formal notice as the first act. Before the due date only the latest courtesy
  step whose day has come is sent (the earlier ones are recorded as overtaken).
- A step after the due date demands every overdue invoice, and lists the invoices not yet
  due: an invoice that falls overdue while the customer is at an advanced level joins
  the next act at that level (it does not restart the early steps).
- A formal notice (a registered letter) demands only the overdue invoices that an earlier
  act already demanded after their due date: an invoice it would name for the first time
  is listed for information, not demanded, and keeps its own level. When every demanded
  invoice is settled or escalated, the level falls back to the remaining invoices' own,
  so a late-comer earns its notice by the same steps. A scenario whose first step after
  the due date is the formal notice states that choice: that notice demands all.
- The end of the amicable phase stays per invoice (its own due date plus
  ``amicable_days``): internal, never held by the gap.
- Invoices in dispute or under a promise are out of the acts while paused; the others go
  on. Invoices on the rejected-debit path follow that short path as in ``per_invoice``.
- The level starts again from the beginning when no invoice of the customer is left
  overdue (everything paid): the next invoices begin with their courtesy reminder.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from encaisse.scheduler.domain.contacts import Contacts, route
from encaisse.scheduler.domain.day import (
    Decision,
    Group,
    Skipped,
    customer_slot,
    decide,
    wake_promises,
)
from encaisse.scheduler.domain.no_email import needs_substitute, substitute
from encaisse.scheduler.domain.planning import (
    SCENARIO_PATH,
    Plan,
    SlotFn,
    Track,
    TrackState,
    step_day,
)
from encaisse.scheduler.domain.pressure import History, earliest_contact
from encaisse.scheduler.domain.scenarios import (
    DunningMode,
    Means,
    Mode,
    Policy,
    Scenario,
    Step,
)
from encaisse.scheduler.domain.windows import SendingWindow, local_day, next_open_slot


@dataclass(frozen=True)
class Moment:
    now: datetime
    today: date
    slot: SlotFn
    opens: datetime  # the sending window's next open instant (``now`` while it is open)

    @property
    def window_open(self) -> bool:
        return self.opens <= self.now


def moment(customer: Contacts, window: SendingWindow, now: datetime) -> Moment:
    slot = customer_slot(customer, window)
    opens = next_open_slot(now, window, customer.timezone, customer.country)
    return Moment(now, local_day(now, customer.timezone), slot, opens)


def decide_any(
    customer: Contacts,
    tracks: list[Track],
    plans: Callable[[Track], Plan],
    scenario: Scenario,
    policy: Policy,
    window: SendingWindow,
    now: datetime,
    history: History,
) -> Decision:
    """What the customer's live tracks do at ``now``, in the profile's dunning mode."""
    out = Decision()
    due = [t for t in tracks if t.due_at is not None and t.due_at <= now]
    if policy.mode is DunningMode.PER_INVOICE:
        return decide(customer, due, plans, window, now, history, policy, out)
    at = moment(customer, window, now)
    woken = {t.invoice_number: t for t in wake_promises(due, plans, at.today, now, at.slot, out)}
    tracks = [woken.get(t.invoice_number, t) for t in tracks]
    debit = [
        t for t in tracks if t.path != SCENARIO_PATH and t.due_at is not None and t.due_at <= now
    ]
    if debit:
        decide(customer, debit, plans, window, now, history, policy, out)
        for g in out.groups:
            history = history.with_contact(g.day, g.channel)
    decide_customer(customer, tracks, plans, scenario, policy, at, history, out)
    written = {t.invoice_number for t in out.tracks}
    out.tracks += [t for n, t in woken.items() if n not in written and n in out.promises_broken]
    return out


def level_of(tracks: list[Track], today: date) -> tuple[Track | None, int | None]:
    """The reference invoice and the customer's level (None: nothing done yet)."""
    overdue = [t for t in tracks if t.due_date < today]
    pool = overdue or tracks
    if not pool:
        return None, None
    ref = min(pool, key=lambda t: (-_progress(t), t.due_date, t.invoice_number))
    return ref, ref.last_offset


def _progress(track: Track) -> float:
    return float("-inf") if track.last_offset is None else track.last_offset


def next_step(
    scenario: Scenario, ref: Track, level: int | None, today: date
) -> tuple[Step | None, tuple[Step, ...]]:
    """The step after the level, and the steps it overtakes: courtesy steps whose day has
    come (the latest goes), or past their time once the invoice is overdue (none goes)."""
    overdue = ref.due_date < today
    ahead = [
        s for s in scenario.planned() if not s.is_end and (level is None or s.offset_days > level)
    ]
    late = tuple(s for s in ahead if overdue and s.offset_days <= 0)  # courtesy past its time
    candidates = [s for s in ahead if s not in late]
    if not candidates:
        return None, ()
    first = candidates[0]
    if first.offset_days > 0:
        return first, late
    come = [s for s in candidates if s.offset_days <= 0 and step_day(ref, scenario, s) <= today]
    if len(come) > 1:
        return come[-1], tuple(come[:-1])
    return first, ()


def demanded(
    step: Step, channel: Means, tracks: list[Track], scenario: Scenario, today: date
) -> list[Track]:
    """The invoices an act demands (the others it only lists)."""
    if step.offset_days <= 0:
        return [t for t in tracks if t.due_date >= today and t.day_of(step) <= today]
    overdue = [t for t in tracks if t.due_date < today]
    if channel is not Means.REGISTERED_LETTER:
        return overdue
    earned = [t for t in overdue if t.last_offset is not None and t.last_offset > 0]
    first_after_due = next((s for s in scenario.planned() if s.offset_days > 0), None)
    if not earned and first_after_due is not None and first_after_due.key == step.key:
        return overdue
    return earned


def decide_customer(
    customer: Contacts,
    tracks: list[Track],
    plans: Callable[[Track], Plan],
    scenario: Scenario,
    policy: Policy,
    at: Moment,
    history: History,
    out: Decision,
) -> None:
    """This customer's scenario act at ``at.now``, if one is due, added to ``out``; every
    followed track's ``due_at`` becomes the customer's next decision (or its own end)."""
    on_path = [t for t in tracks if t.state is TrackState.ACTIVE and t.path == SCENARIO_PATH]
    followed = [t for t in on_path if not t.excluded]
    left = _escalate(followed, scenario, at, out)
    ref, level = level_of(left, at.today)
    wake: datetime | None = None
    if ref is not None:
        step, overtaken = next_step(scenario, ref, level, at.today)
        if step is not None:
            when: datetime | None = _when(step, ref, scenario, policy, history, at)
            if when is not None and when <= at.now and at.window_open:
                left, history = _act(
                    customer, left, step, overtaken, ref, scenario, policy, history, at, out
                )
                ref, level = level_of(left, at.today)
                step, _ = next_step(scenario, ref, level, at.today) if ref else (None, ())
                when = _when(step, ref, scenario, policy, history, at) if step and ref else None
            wake = None if when is None else max(when, at.opens)
            if wake is not None and wake <= at.now:  # one act a day: the next waits a day
                wake = at.slot(at.today + timedelta(days=1))
    given = {t.invoice_number: t for t in tracks}
    for track in left:
        end = at.slot(track.day_of(scenario.end))
        _changed(out, given, replace(track, due_at=min(end, wake) if wake else end))
    for track in on_path:
        if track.excluded:  # not dunned; woken with the others, so that a lifted exclusion
            _changed(out, given, replace(track, due_at=wake))  # is seen at the next decision
    out.level = level


def _changed(out: Decision, given: dict[str, Track], after: Track) -> None:
    """Only the tracks that move are written back (a customer's others stay as they are)."""
    if given.get(after.invoice_number) != after:
        out.tracks.append(after)


def _when(
    step: Step, ref: Track, scenario: Scenario, policy: Policy, history: History, at: Moment
) -> datetime:
    day = step_day(ref, scenario, step)
    if step.client_facing:
        day = earliest_contact(history, policy, max(day, at.today), gap=True)
    return at.slot(day)


def _escalate(tracks: list[Track], scenario: Scenario, at: Moment, out: Decision) -> list[Track]:
    """The end of the amicable phase, per invoice: what is still open is escalated."""
    left = []
    for track in tracks:
        if at.slot(track.day_of(scenario.end)) <= at.now:
            out.escalated.append(track.invoice_number)
            out.tracks.append(
                replace(
                    track,
                    state=TrackState.ESCALATED,
                    last_offset=scenario.end.offset_days,
                    last_step_on=at.today,
                    due_at=None,
                )
            )
        else:
            left.append(track)
    return left


def _act(
    customer: Contacts,
    tracks: list[Track],
    step: Step,
    overtaken: tuple[Step, ...],
    ref: Track,
    scenario: Scenario,
    policy: Policy,
    history: History,
    at: Moment,
    out: Decision,
) -> tuple[list[Track], History]:
    """Do ``step`` for the customer: one group demanding its invoices, the level moved."""
    out.skipped += [Skipped(ref.invoice_number, s, "overtaken by a later step") for s in overtaken]
    out.collect_email |= needs_substitute(step, customer) and step.offset_days > 0
    given = substitute(step, customer, policy, scenario)
    way = route(given.channel, customer, given.role)
    numbers = {t.invoice_number for t in demanded(step, given.channel, tracks, scenario, at.today)}
    if not numbers:
        return tracks, history
    moved = [
        replace(t, last_offset=step.offset_days, last_step_on=at.today)
        if t.invoice_number in numbers
        else t
        for t in tracks
    ]
    if way.channel is None:
        out.skipped += [Skipped(n, given, way.reason) for n in sorted(numbers)]
        out.complete_record |= way.complete_record
        return moved, history
    mode, note = given.mode, ""
    if way.channel is Means.CALL:
        mode = Mode.MANUAL
    elif way.channel is Means.REGISTERED_LETTER:
        sent = history.registered_since(at.today)
        if sent is not None:
            mode = Mode.VALIDATE
            note = f"a registered letter went on {sent.isoformat()}"
    out.groups.append(
        Group(
            customer.customer_ref,
            way.channel,
            at.today,
            given,
            mode,
            tuple(sorted(numbers)),
            note,
        )
    )
    if given.client_facing:
        history = history.with_contact(at.today, way.channel)
    return moved, history
