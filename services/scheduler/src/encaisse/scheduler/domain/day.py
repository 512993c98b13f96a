"""One customer's day: which tracks fire, grouped into one message per channel and day.

``decide`` is the pure heart of the day run. The database layer claims a
batch of customers, hands each one's due tracks here, and writes back what
comes out: track moves, grouped actions, skipped steps, tasks, escalations.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

from encaisse.scheduler.domain.contacts import Contacts, route
from encaisse.scheduler.domain.no_email import needs_substitute, substitute
from encaisse.scheduler.domain.planning import (
    REJECTED_DEBIT,
    REJECTED_DEBIT_PATH,
    Plan,
    SlotFn,
    Track,
    TrackState,
    advance,
    back_to_scenario,
    break_promise,
)
from encaisse.scheduler.domain.pressure import History, cap_frees_on, room_left
from encaisse.scheduler.domain.scenarios import MODE_RANK, Means, Mode, Policy, Scenario, Step
from encaisse.scheduler.domain.windows import (
    SendingWindow,
    local_day,
    next_open_slot,
    slot_on_or_after,
)

NO_HISTORY = History()
DEFAULT_POLICY = Policy()


@dataclass(frozen=True)
class Group:
    """One message (or task) for a customer: every invoice due that day on that channel."""

    customer_ref: str
    channel: Means
    day: date
    step: Step  # the most advanced step: its template is used
    mode: Mode
    invoice_numbers: tuple[str, ...]  # what it demands (a statement lists the rest too)
    note: str = ""  # why it waits for a person, when it does

    @property
    def cc_sales_rep(self) -> bool:
        return self.step.cc_sales_rep


@dataclass(frozen=True)
class Skipped:
    invoice_number: str
    step: Step
    reason: str


@dataclass
class Decision:
    tracks: list[Track] = field(default_factory=list)  # every track that changed
    groups: list[Group] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    escalated: list[str] = field(default_factory=list)  # invoice numbers, end of amicable phase
    promises_broken: list[str] = field(default_factory=list)
    complete_record: bool = False
    collect_email: bool = False  # an email step found no email: ask for one (once)
    level: int | None = None  # per customer: the case's level after the run


@dataclass(frozen=True)
class Fire:
    track: Track  # before the move
    after: Track
    step: Step
    channel: Means


def customer_slot(customer: Contacts, window: SendingWindow) -> SlotFn:
    def slot(day: date) -> datetime:
        return slot_on_or_after(day, window, customer.timezone, customer.country)

    return slot


def wake_promises(
    tracks: Iterable[Track],
    plans: Callable[[Track], Plan],
    today: date,
    now: datetime,
    slot: SlotFn,
    out: Decision,
) -> list[Track]:
    """Promises whose grace has ended without the money: their invoices are active again."""
    woken = []
    for track in tracks:
        if (
            track.state is TrackState.PAUSED
            and track.pause_until is not None
            and track.due_at is not None
            and track.due_at <= now
        ):
            track = break_promise(track, plans(track), today, slot)
            out.promises_broken.append(track.invoice_number)
        woken.append(track)
    return woken


def decide(
    customer: Contacts,
    tracks: Iterable[Track],
    plans: Callable[[Track], Plan],
    window: SendingWindow,
    now: datetime,
    history: History = NO_HISTORY,
    policy: Policy = DEFAULT_POLICY,
    out: Decision | None = None,
) -> Decision:
    """What this customer's due tracks do at ``now``, each invoice on its own track
    (``per_invoice``).

    ``history``: the customer's recent contacts; what would go on a channel already used
    today waits for the next open day, and contact pressure holds (the weekly cap; a
    second registered letter within 30 days waits for a person's approval).
    Outside the customer's sending window (a nightly import, a restart after downtime,
    a weekend) no step fires: what is due, late or not, waits for the window's next
    open slot, like any other step. The end of the amicable phase (the hand-over to
    litigation, internal) is not held by the window.
    """
    slot = customer_slot(customer, window)
    today = local_day(now, customer.timezone)
    opens = next_open_slot(now, window, customer.timezone, customer.country)
    used_today = history.used_on(today)
    out = out if out is not None else Decision()
    fires: list[Fire] = []
    for track in wake_promises(tracks, plans, today, now, slot, out):
        if track.state is not TrackState.ACTIVE or track.due_at is None or track.due_at > now:
            out.tracks.append(track)
            continue
        plan = plans(track)
        moved = advance(track, plan, now, today, slot)
        if opens > now and moved.fired is not None and not moved.fired.is_end:
            out.tracks.append(replace(track, due_at=opens))
            continue
        out.skipped += [
            Skipped(track.invoice_number, s, "overtaken by a later step") for s in moved.overtaken
        ]
        after = moved.track
        if (
            after.path == REJECTED_DEBIT_PATH
            and REJECTED_DEBIT.step_after(after.last_offset) is None
        ):
            scenario = plans(replace(after, path="scenario"))
            assert isinstance(scenario, Scenario)  # the scenario path's plan is its scenario
            after = back_to_scenario(after, scenario, today, slot)
        if moved.fired is None:
            out.tracks.append(after)
            continue
        if moved.fired.is_end:
            out.escalated.append(track.invoice_number)
            out.tracks.append(after)
            continue
        out.collect_email |= (
            needs_substitute(moved.fired, customer)
            and moved.fired.offset_days > 0
            and not track.excluded
        )
        given = substitute(
            moved.fired, customer, policy, plan if isinstance(plan, Scenario) else None
        )
        way = route(given.channel, customer, given.role)
        if way.channel is None or track.excluded:
            out.skipped.append(
                Skipped(
                    track.invoice_number,
                    given,
                    "invoice excluded" if track.excluded else way.reason,
                )
            )
            out.complete_record |= way.complete_record and not track.excluded
            out.tracks.append(after)
            continue
        if way.channel in used_today:
            out.tracks.append(replace(track, due_at=slot(today + timedelta(days=1))))
            continue
        fires.append(Fire(track, after, given, way.channel))
    _press(customer.customer_ref, fires, history, policy, today, slot, out)
    return out


def _press(
    customer_ref: str,
    fires: list[Fire],
    history: History,
    policy: Policy,
    today: date,
    slot: SlotFn,
    out: Decision,
) -> None:
    """The groups the weekly cap lets go today (the most advanced first); the others'
    invoices wait for the day the cap frees. A second registered letter within 30 days
    waits for a person's approval."""
    room = room_left(history, policy, today)
    going: list[Fire] = []
    held: list[Fire] = []
    groups = group(customer_ref, fires, today)
    by_channel: dict[Means, list[Fire]] = {}
    for fire in fires:
        by_channel.setdefault(fire.channel, []).append(fire)
    kept = []
    for g in sorted(groups, key=lambda g: -g.step.offset_days):
        members = by_channel[g.channel]
        if not g.step.client_facing:
            going += members
            kept.append(g)
        elif room > 0:
            room -= 1
            going += members
            kept.append(_registered(g, history, today))
            history = history.with_contact(today, g.channel)
        else:
            held += members
    frees = slot(cap_frees_on(history, policy, today + timedelta(days=1))) if held else None
    out.tracks += [f.after for f in going]
    out.tracks += [replace(f.track, due_at=frees) for f in held]
    out.groups += sorted(kept, key=lambda g: g.channel.value)


def _registered(g: Group, history: History, today: date) -> Group:
    sent = history.registered_since(today) if g.channel is Means.REGISTERED_LETTER else None
    if sent is None:
        return g
    return replace(g, mode=Mode.VALIDATE, note=f"a registered letter went on {sent.isoformat()}")


def group(customer_ref: str, fires: Iterable[Fire], day: date) -> list[Group]:
    """One group per channel: every invoice, the most advanced step, the strictest mode."""
    by_channel: dict[Means, list[Fire]] = {}
    for fire in fires:
        by_channel.setdefault(fire.channel, []).append(fire)
    groups = []
    for channel, members in by_channel.items():
        top = max(members, key=lambda f: f.step.offset_days).step
        mode = max((f.step.mode for f in members), key=MODE_RANK.__getitem__)
        if channel is Means.CALL:
            mode = Mode.MANUAL
        invoices = tuple(sorted(f.track.invoice_number for f in members))
        groups.append(Group(customer_ref, channel, day, top, mode, invoices))
    return sorted(groups, key=lambda g: g.channel.value)


def plans_from(scenarios: Mapping[str, Scenario]) -> Callable[[Track], Plan]:
    """The plan a track follows: its scenario, or the rejected-debit path."""

    def plan(track: Track) -> Plan:
        if track.path == REJECTED_DEBIT_PATH:
            return REJECTED_DEBIT
        return scenarios[track.scenario_code]

    return plan
