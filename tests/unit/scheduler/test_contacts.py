"""Whom a step addresses: its role's person with a usable email (a phone for an SMS or a
call), else the billing contact, else the dunning contact; and what that does to routing."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest

from encaisse.contracts.notifier import SendEmail, SendSms
from encaisse.scheduler.domain.contacts import (
    Contacts,
    Person,
    keep_flags,
    mark_wrong,
    recipient,
    route,
)
from encaisse.scheduler.domain.scenarios import Means, Step
from encaisse.scheduler.repository.rows import people_to_json
from encaisse.scheduler.usecases.commands import build, call_note

FINANCE = Person(
    "finance_director",
    name="Marie Curie",
    email="daf@alpha.example",
    phone="+33612345678",
    hours="Mon-Fri 9-12",
)
DUNNING = Person("dunning", email="collected@alpha.example", phone="+33698765432")
CUSTOMER = Contacts(
    "C1", name="Alpha", email="compta@alpha.example", phone="+33123456789", has_address=True
)


def _with(**changes) -> Contacts:
    return replace(CUSTOMER, **changes)


def test_the_step_s_role_is_addressed_when_that_person_has_what_the_channel_needs():
    customer = _with(people=(FINANCE, DUNNING))
    assert recipient(Means.EMAIL, customer, "finance_director") == FINANCE
    assert recipient(Means.SMS, customer, "finance_director") == FINANCE
    assert recipient(Means.CALL, customer, "finance_director") == FINANCE
    assert recipient(Means.EMAIL, customer, "dunning") == DUNNING


@pytest.mark.parametrize(
    "finance",
    [
        None,  # no such person at this customer
        replace(FINANCE, email=None, phone=None),
        replace(FINANCE, email_ok=False, phone_ok=False),  # bounced, wrong number
        replace(FINANCE, email="not an email", phone="0612"),
    ],
)
def test_without_a_usable_contact_for_the_role_the_billing_contact_is_addressed(finance):
    people = (DUNNING,) if finance is None else (finance, DUNNING)
    customer = _with(people=people)
    for channel in (Means.EMAIL, Means.SMS, Means.CALL):
        chosen = recipient(channel, customer, "finance_director")
        assert chosen is not None and chosen.role == "billing", channel
    assert recipient(Means.EMAIL, customer, "finance_director").email == "compta@alpha.example"
    assert recipient(Means.CALL, customer, "finance_director").phone == "+33123456789"


def test_a_step_without_a_role_goes_to_billing_even_when_others_have_an_email():
    customer = _with(people=(FINANCE, DUNNING))
    assert recipient(Means.EMAIL, customer).email == "compta@alpha.example"
    assert recipient(Means.EMAIL, customer, "billing").email == "compta@alpha.example"


@pytest.mark.parametrize(
    "billing", [{"email": None, "phone": None}, {"email_ok": False, "phone_ok": False}]
)
def test_without_billing_the_dunning_contact_is_addressed_and_the_customer_reachable(billing):
    customer = _with(people=(replace(FINANCE, email=None, phone=None), DUNNING), **billing)
    assert recipient(Means.EMAIL, customer, "finance_director") == DUNNING
    assert recipient(Means.CALL, customer) == DUNNING
    assert customer.reachable_by_email and customer.reachable_by_phone
    assert route(Means.EMAIL, customer).channel is Means.EMAIL
    assert route(Means.SMS, customer).channel is Means.SMS
    assert route(Means.CALL, customer).channel is Means.CALL


def test_no_one_to_reach_routes_nowhere_and_the_role_s_person_is_reason_enough():
    nobody = _with(email=None, phone=None, people=())
    assert recipient(Means.EMAIL, nobody) is None
    assert route(Means.EMAIL, nobody).reason == "no email address"
    assert not nobody.reachable_by_email
    bounced = _with(email_ok=False, phone=None, people=())
    assert route(Means.EMAIL, bounced).reason == "email address invalid"
    call = route(Means.CALL, bounced)
    assert call.channel is None and call.complete_record
    only_finance = _with(email=None, phone=None, people=(FINANCE,))
    assert route(Means.EMAIL, only_finance).channel is None  # no role: billing, dunning
    assert route(Means.EMAIL, only_finance, "finance_director").channel is Means.EMAIL
    assert route(Means.CALL, only_finance, "finance_director").channel is Means.CALL


def test_letters_go_to_the_customer_s_address_not_to_a_person():
    customer = _with(people=(FINANCE,))
    assert recipient(Means.LETTER, customer, "finance_director") is None
    assert route(Means.LETTER, customer, "finance_director").channel is Means.LETTER


def test_a_person_keeps_what_a_bounce_taught_until_the_ledger_changes_the_address():
    before = (replace(FINANCE, email_ok=False, phone_ok=False),)
    same = keep_flags((FINANCE,), before)
    assert (same[0].email_ok, same[0].phone_ok) == (False, False)
    moved = keep_flags((replace(FINANCE, email="new@alpha.example"),), before)
    assert (moved[0].email_ok, moved[0].phone_ok) == (True, False)
    assert keep_flags((DUNNING,), before) == (DUNNING,)


ROW = SimpleNamespace(
    customer_ref="C1",
    name="Alpha",
    language="fr",
    timezone="Europe/Paris",
    country="FR",
    segment="sme",
    email="compta@alpha.example",
    email_ok=True,
    phone="+33123456789",
    phone_ok=True,
    address=None,
    address_ok=True,
    sales_rep_email=None,
    excluded=False,
    contacts=people_to_json([FINANCE, DUNNING]),
)
INVOICE = SimpleNamespace(
    invoice_number="F1",
    issue_date=date(2026, 2, 1),
    due_date=date(2026, 3, 2),
    amount=Decimal("120.00"),
    open_balance=Decimal("120.00"),
    currency="EUR",
    pdf_url=None,
)


def _build(channel: Means, step: Step, row=ROW):
    return build(
        tenant="ACME",
        channel=channel,
        step=step,
        key="k",
        case_id="case",
        customer=row,
        invoices=[INVOICE],
        day=date(2026, 4, 6),
        notice_deadline_days=8,
    )


def test_the_command_goes_to_whom_the_step_addresses():
    firm = _build(Means.EMAIL, Step(28, Means.EMAIL, "third_reminder", role="finance_director"))
    assert isinstance(firm, SendEmail) and firm.to == ("daf@alpha.example",)
    plain = _build(Means.EMAIL, Step(7, Means.EMAIL, "first_reminder"))
    assert isinstance(plain, SendEmail) and plain.to == ("compta@alpha.example",)
    sms = _build(Means.SMS, Step(10, Means.SMS, "first_reminder", role="finance_director"))
    assert isinstance(sms, SendSms) and sms.to == "+33612345678"
    no_billing = SimpleNamespace(**{**vars(ROW), "email": None, "phone": None})
    collected = _build(Means.EMAIL, Step(7, Means.EMAIL, "first_reminder"), no_billing)
    assert isinstance(collected, SendEmail) and collected.to == ("collected@alpha.example",)


def test_a_call_task_says_whom_to_call():
    note = call_note(Step(21, Means.CALL, "call", role="finance_director"), ROW)
    assert note == "call (call): call Marie Curie, finance director, +33612345678, Mon-Fri 9-12"
    assert call_note(Step(21, Means.CALL, "call"), ROW) == (
        "call (call): call Alpha, billing, +33123456789"
    )


def test_a_failure_marks_the_person_it_was_sent_to_and_billing_only_when_it_is_billing():
    customer = _with(people=(FINANCE, DUNNING))
    people, billing = mark_wrong(customer, Means.EMAIL, "daf@alpha.example")
    assert not billing and people == (replace(FINANCE, email_ok=False), DUNNING)
    assert recipient(Means.EMAIL, replace(customer, people=people), "finance_director").role == (
        "billing"
    )
    people, billing = mark_wrong(customer, Means.SMS, "+33698765432")
    assert not billing and people == (FINANCE, replace(DUNNING, phone_ok=False))
    # billing's own address, an address no one has, or none given (a letter, a call)
    for channel, address in [
        (Means.EMAIL, "compta@alpha.example"),
        (Means.EMAIL, "stranger@else.example"),
        (Means.CALL, None),
        (Means.LETTER, None),
    ]:
        assert mark_wrong(customer, channel, address) == (customer.people, True)
    shared = _with(people=(replace(FINANCE, email="compta@alpha.example"),))
    people, billing = mark_wrong(shared, Means.EMAIL, "compta@alpha.example")
    assert billing and not people[0].email_ok
    # the same person bouncing again is still that person, not billing
    marked = replace(customer, people=(replace(FINANCE, email_ok=False),))
    assert mark_wrong(marked, Means.EMAIL, "daf@alpha.example") == (marked.people, False)
