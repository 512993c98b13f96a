"""Properties of the planning rules, over any sequence of invoices, payments and pauses.

Each invoice on its own track (``per_invoice``); test_per_customer.py has the properties of
dunning per customer. A small pure simulation drives ``decide`` day by day (two runs a day, as two
replicas or a restart would) and applies random payments, disputes and promises.
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st
from unit.scheduler.simulation import Happening, happen

from encaisse.scheduler.domain.contacts import Contacts
from encaisse.scheduler.domain.day import customer_slot, decide, plans_from
from encaisse.scheduler.domain.defaults import DEFAULT_SCENARIOS
from encaisse.scheduler.domain.planning import (
    Track,
    TrackState,
    start,
)
from encaisse.scheduler.domain.pressure import History
from encaisse.scheduler.domain.scenarios import MESSAGE_CHANNELS, DunningMode, Policy
from encaisse.scheduler.domain.windows import SendingWindow

SCENARIOS = {s.code: s for s in DEFAULT_SCENARIOS}
PLANS = plans_from(SCENARIOS)
WINDOW = SendingWindow()
DAY0 = date(2026, 2, 2)
DAYS = 75
MONTH = timedelta(days=31)
# Each invoice on its own track, with the loosest cap: the properties of the old mode.
POLICY = Policy(DunningMode.PER_INVOICE, contacts_per_week=14)


happenings = st.lists(
    st.builds(
        Happening,
        st.integers(0, DAYS - 1),
        st.integers(0, 5),
        st.sampled_from(["pay", "part", "dispute", "resolve", "promise"]),
        st.integers(0, 20),
    ),
    max_size=25,
)
invoices = st.lists(
    st.tuples(st.integers(0, 40), st.integers(-20, 40), st.sampled_from(sorted(SCENARIOS))),
    min_size=1,
    max_size=6,
)
customers = st.sampled_from(
    [
        Contacts("C", email="c@x.fr", phone="+33600000000", has_address=True),
        Contacts("C", phone="+33600000000"),
        Contacts("C", email="c@x.de", has_address=True, country="DE", timezone="Europe/Berlin"),
    ]
)


@dataclass
class World:
    customer: Contacts
    tracks: dict[str, Track] = field(default_factory=dict)
    paid: dict[str, date] = field(default_factory=dict)
    sent: list[tuple[str, date, tuple[str, ...], datetime]] = field(default_factory=list)
    pauses: dict[str, list[list[date]]] = field(default_factory=dict)  # [first, last] paused day

    def run(self, now: datetime) -> None:
        slot = customer_slot(self.customer, WINDOW)
        today = now.date()
        history = History.of((c.value, d) for c, d, _, _ in self.sent if d > today - MONTH)
        decision = decide(
            self.customer, list(self.tracks.values()), PLANS, WINDOW, now, history, POLICY
        )
        for t in decision.tracks:
            self.tracks[t.invoice_number] = t
        for g in decision.groups:
            self.sent.append((g.channel, g.day, g.invoice_numbers, now))
        del slot

    def apply(self, h: Happening, today: date) -> None:
        happen(h, today, self.customer, WINDOW, PLANS, self.tracks, self.paid, self.pauses)


def simulate(customer, issued, events) -> World:
    world = World(customer)
    slot = customer_slot(customer, WINDOW)
    for i in range(DAYS):
        today = DAY0 + timedelta(days=i)
        for n, (issue_day, due_in, code) in enumerate(issued):
            if issue_day == i:
                t = Track(
                    f"F{n}", "C", today + timedelta(days=due_in), Decimal(100), scenario_code=code
                )
                world.tracks[t.invoice_number] = start(t, SCENARIOS[code], today, slot)
        for h in events:
            if h.day == i:
                world.apply(h, today)
        for hour in (8, 12):  # UTC: 09:00 and 13:00 in Paris in winter
            world.run(datetime(today.year, today.month, today.day, hour, tzinfo=UTC))
    return world


@settings(max_examples=60, deadline=None)
@given(customers, invoices, happenings)
def test_nothing_is_planned_or_sent_after_full_payment(customer, issued, events):
    world = simulate(customer, issued, events)
    for _channel, day, numbers, _ in world.sent:
        for number in numbers:
            assert number not in world.paid or day < world.paid[number], (number, day)
    for number in world.paid:
        t = world.tracks[number]
        assert t.state is TrackState.CLOSED and t.due_at is None


@settings(max_examples=60, deadline=None)
@given(customers, invoices, happenings)
def test_one_customer_never_gets_two_messages_on_one_channel_the_same_day(customer, issued, events):
    world = simulate(customer, issued, events)
    seen = [(c, d) for c, d, _, _ in world.sent if c in MESSAGE_CHANNELS]
    assert len(seen) == len(set(seen))


@settings(max_examples=40, deadline=None)
@given(customers, invoices)
def test_without_events_every_invoice_ends_escalated_or_still_planned_in_order(customer, issued):
    world = simulate(customer, issued, [])
    for t in world.tracks.values():
        assert t.state in (TrackState.ACTIVE, TrackState.ESCALATED)
        if t.state is TrackState.ACTIVE:
            assert t.due_at is not None


def test_the_simulation_sends_the_standard_sequence_and_stops_at_payment():
    customer = Contacts("C", email="c@x.fr", phone="+33600000000", has_address=True)
    world = simulate(customer, [(0, 10, "standard")], [])
    assert [c.value for c, _, _, _ in world.sent] == [
        "email",
        "email",
        "email",
        "call",
        "letter",
        "registered_letter",
    ]
    paid = simulate(customer, [(0, 10, "standard")], [Happening(35, 0, "pay")])
    assert [c.value for c, _, _, _ in paid.sent] == ["email", "email", "email", "call"]


@settings(max_examples=60, deadline=None)
@given(customers, invoices, happenings)
def test_nothing_is_sent_for_an_invoice_while_a_dispute_or_a_promise_holds_it(
    customer, issued, events
):
    world = simulate(customer, issued, events)
    for _channel, day, numbers, _ in world.sent:
        for number in numbers:
            for first, last in world.pauses.get(number, []):
                assert not first <= day <= last, (number, day, first, last)
