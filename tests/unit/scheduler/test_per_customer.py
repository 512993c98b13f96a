"""Properties of dunning per customer, over any invoices, payments and pauses of one customer.

A pure simulation drives ``decide_any`` day by day (two runs a day, as two replicas or a
restart would): invoices are issued, paid, disputed and promised at random; what the
decision sends is recorded as the customer's contacts, as the day run records them.
A step waiting for validation is not sent until approved; here nobody approves.
"""

from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace

from hypothesis import given, settings
from hypothesis import strategies as st
from unit.scheduler.simulation import Happening, happen

from encaisse.scheduler.domain.contacts import Contacts
from encaisse.scheduler.domain.customer_day import decide_any
from encaisse.scheduler.domain.day import Group, customer_slot, plans_from
from encaisse.scheduler.domain.defaults import DEFAULT_SCENARIOS
from encaisse.scheduler.domain.planning import (
    Track,
    TrackState,
    join_case,
)
from encaisse.scheduler.domain.pressure import CONTACT_CHANNELS, History
from encaisse.scheduler.domain.scenarios import (
    REGISTERED_LETTER_DAYS,
    Means,
    Mode,
    Policy,
    WithoutEmail,
)
from encaisse.scheduler.domain.windows import SendingWindow
from encaisse.scheduler.usecases.commands import position

SCENARIOS = {s.code: s for s in DEFAULT_SCENARIOS}
PLANS = plans_from(SCENARIOS)
WINDOW = SendingWindow()
DAY0 = date(2026, 2, 2)
DAYS = 120


happenings = st.lists(
    st.builds(
        Happening,
        st.integers(0, DAYS - 1),
        st.integers(0, 7),
        st.sampled_from(["pay", "pay", "dispute", "resolve", "promise"]),
        st.integers(0, 20),
    ),
    max_size=25,
)
invoices = st.lists(st.tuples(st.integers(0, 60), st.integers(-20, 45)), min_size=1, max_size=8)
customers = st.sampled_from(
    [
        Contacts("C", email="c@x.fr", phone="+33600000000", has_address=True),
        Contacts("C", phone="+33600000000", has_address=True),
        Contacts("C", email="c@x.de", has_address=True, country="DE", timezone="Europe/Berlin"),
    ]
)
policies = st.builds(
    Policy, min_gap_days=st.sampled_from([4, 7, 10]), contacts_per_week=st.integers(1, 3)
)
scenario_codes = st.sampled_from(sorted(SCENARIOS))


@dataclass
class Sent:
    group: Group
    at: datetime
    overdue: frozenset[str]  # the invoices followed and overdue when it was decided
    listed: frozenset[str]  # the statement's overdue invoices


@dataclass
class World:
    customer: Contacts
    code: str
    policy: Policy
    tracks: dict[str, Track] = field(default_factory=dict)
    paid: dict[str, date] = field(default_factory=dict)
    sent: list[Sent] = field(default_factory=list)
    pauses: dict[str, list[list[date]]] = field(default_factory=dict)

    def contacts(self) -> list[Sent]:
        return [
            s
            for s in self.sent
            if s.group.channel in CONTACT_CHANNELS and s.group.mode is not Mode.VALIDATE
        ]

    def run(self, now: datetime) -> None:
        today = now.date()
        history = History.of(
            (s.group.channel.value, s.group.day)
            for s in self.contacts()
            if s.group.day > today - timedelta(days=REGISTERED_LETTER_DAYS + 1)
        )
        live = [
            t for t in self.tracks.values() if t.state in (TrackState.ACTIVE, TrackState.PAUSED)
        ]
        decision = decide_any(
            self.customer,
            live,
            PLANS,
            SCENARIOS[self.code],
            self.policy,
            WINDOW,
            now,
            history,
        )
        for t in decision.tracks:
            self.tracks[t.invoice_number] = t
        after = [self.tracks[t.invoice_number] for t in live]
        followed = [t for t in after if t.state is TrackState.ACTIVE]
        overdue = frozenset(t.invoice_number for t in followed if t.due_date < today)
        rows = [_row(t) for t in followed]
        listed = frozenset(p.invoice_number for p in position(rows, today).overdue)
        self.sent += [Sent(g, now, overdue, listed) for g in decision.groups]

    def apply(self, h: Happening, today: date) -> None:
        happen(h, today, self.customer, WINDOW, PLANS, self.tracks, self.paid, self.pauses)


def _row(t: Track) -> SimpleNamespace:
    return SimpleNamespace(
        invoice_number=t.invoice_number,
        issue_date=t.due_date - timedelta(days=30),
        due_date=t.due_date,
        amount=Decimal(100),
        open_balance=t.open_balance,
        currency="EUR",
        pdf_url=None,
        state=t.state.value,
        excluded=t.excluded,
    )


def simulate(customer, code, policy, issued, events) -> World:
    world = World(customer, code, policy)
    slot = customer_slot(customer, WINDOW)
    for i in range(DAYS):
        today = DAY0 + timedelta(days=i)
        for n, (issue_day, due_in) in enumerate(issued):
            if issue_day == i:
                t = Track(
                    f"F{n}", "C", today + timedelta(days=due_in), Decimal(100), scenario_code=code
                )
                world.tracks[t.invoice_number] = join_case(t, SCENARIOS[code], today, slot)
        for h in events:
            if h.day == i:
                world.apply(h, today)
        for hour in (8, 12):  # UTC: 09:00 and 13:00 in Paris in winter
            world.run(datetime(today.year, today.month, today.day, hour, tzinfo=UTC))
    return world


@settings(max_examples=50, deadline=None)
@given(customers, scenario_codes, policies, invoices, happenings)
def test_never_more_contacts_in_7_days_than_the_cap_nor_two_within_the_gap(
    customer, code, policy, issued, events
):
    world = simulate(customer, code, policy, issued, events)
    days = [s.group.day for s in world.contacts()]
    assert days == sorted(days)
    for i, day in enumerate(days):
        week = [d for d in days if day - timedelta(days=6) <= d <= day]
        assert len(week) <= policy.contacts_per_week, (day, days)
        if i:
            assert (day - days[i - 1]).days >= policy.min_gap_days, (days[i - 1], day)


@settings(max_examples=50, deadline=None)
@given(customers, scenario_codes, policies, invoices, happenings)
def test_never_two_registered_letters_within_30_days_without_an_approval(
    customer, code, policy, issued, events
):
    world = simulate(customer, code, policy, issued, events)
    sent = [s.group.day for s in world.contacts() if s.group.channel is Means.REGISTERED_LETTER]
    for first, second in zip(sent, sent[1:], strict=False):
        assert (second - first).days >= REGISTERED_LETTER_DAYS, sent
    for s in world.sent:
        if s.group.channel is Means.REGISTERED_LETTER:
            recent = [d for d in sent if timedelta(0) <= s.group.day - d < timedelta(days=30)]
            if recent and s.group.day not in sent:  # a second one within 30 days
                assert s.group.mode is Mode.VALIDATE
                assert s.group.note == f"a registered letter went on {max(recent).isoformat()}"


@settings(max_examples=50, deadline=None)
@given(customers, scenario_codes, policies, invoices, happenings)
def test_every_reminder_lists_every_invoice_overdue_that_day(
    customer, code, policy, issued, events
):
    world = simulate(customer, code, policy, issued, events)
    for s in world.sent:
        demanded = set(s.group.invoice_numbers)
        assert s.listed == s.overdue  # the statement: every overdue invoice followed
        if s.group.step.offset_days > 0:
            assert demanded <= s.overdue
            if s.group.channel is not Means.REGISTERED_LETTER:
                assert demanded == s.overdue, (s.group, s.overdue)


@settings(max_examples=50, deadline=None)
@given(customers, scenario_codes, policies, invoices, happenings)
def test_nothing_after_full_payment_and_nothing_while_paused(
    customer, code, policy, issued, events
):
    world = simulate(customer, code, policy, issued, events)
    for s in world.sent:
        for number in s.group.invoice_numbers:
            assert number not in world.paid or s.group.day < world.paid[number]
            for first, last in world.pauses.get(number, []):
                assert not first <= s.group.day <= last, (number, s.group.day, first, last)
    if len(world.paid) == len(issued):
        last_paid = max(world.paid.values())
        assert all(s.group.day <= last_paid for s in world.sent)
    for number in world.paid:
        assert world.tracks[number].state is TrackState.CLOSED


def test_five_invoices_on_five_days_give_one_act_per_level():
    customer = Contacts("C", email="c@x.fr", phone="+33600000000", has_address=True)
    world = simulate(customer, "standard", Policy(), [(0, 10 + i) for i in range(5)], [])
    acts = [(s.group.channel.value, s.group.invoice_numbers) for s in world.sent]
    everyone = tuple(f"F{i}" for i in range(5))
    assert acts == [
        ("email", ("F0",)),  # courtesy: the invoice due in 7 days (the statement lists all)
        ("email", everyone),
        ("email", everyone),
        ("call", everyone),
        ("letter", everyone),
        ("registered_letter", everyone),
    ]
    days = [s.group.day for s in world.sent]
    assert all((b - a).days >= 7 for a, b in zip(days, days[1:], strict=False))


def test_an_invoice_late_at_an_advanced_level_joins_without_a_notice_it_did_not_earn():
    customer = Contacts("C", email="c@x.fr", phone="+33600000000", has_address=True)
    # F0 due on day 10 walks the scenario; F1 falls due on day 40, just before the notice
    world = simulate(customer, "standard", Policy(), [(0, 10), (30, 10)], [])
    notice = next(s for s in world.sent if s.group.channel is Means.REGISTERED_LETTER)
    assert notice.group.invoice_numbers == ("F0",)
    assert notice.listed == {"F0", "F1"}  # the statement shows F1, the notice does not demand it
    earlier = [s.group.channel for s in world.sent if s.group.day < notice.group.day]
    assert earlier.count(Means.EMAIL) == 3  # no burst of early steps for F1
    assert replace(world.tracks["F1"]).last_offset != 35


def test_without_an_email_letters_or_an_early_call_as_the_profile_says():
    nomail = Contacts("C", phone="+33600000000", has_address=True)
    acts = {}
    for way in (WithoutEmail.LETTERS, WithoutEmail.EARLY_CALL):
        world = simulate(nomail, "standard", Policy(without_email=way), [(0, 10)], [])
        acts[way] = [(s.group.channel.value, s.group.step.template) for s in world.sent]
    assert acts[WithoutEmail.LETTERS] == [
        ("sms", "courtesy_reminder"),  # before the due date: an SMS, not a letter of arrears
        ("letter", "reminder_letter"),  # D+7
        ("letter", "reminder_letter"),  # D+14
        ("call", "call"),
        ("letter", "reminder_letter"),
        ("registered_letter", "formal_notice"),
    ]
    assert acts[WithoutEmail.EARLY_CALL] == [
        ("sms", "courtesy_reminder"),
        ("call", "call"),  # D+7: the first call, brought forward, to get an email
        ("letter", "reminder_letter"),
        ("call", "call"),
        ("letter", "reminder_letter"),
        ("registered_letter", "formal_notice"),
    ]
