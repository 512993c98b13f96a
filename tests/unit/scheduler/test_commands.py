from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest

from encaisse.contracts.letters import LetterKind, SendLetter
from encaisse.contracts.notifier import SendEmail, SendSms
from encaisse.contracts.portal import PostNotice
from encaisse.scheduler.domain.scenarios import Means, Step
from encaisse.scheduler.usecases.commands import build, command_key, template_for

CUSTOMER = SimpleNamespace(
    customer_ref="C1",
    name="Alice SARL",
    language="fr",
    timezone="Europe/Paris",
    country="FR",
    segment="individual",
    email="ap@alice.fr",
    email_ok=True,
    phone="+33612345678",
    phone_ok=True,
    sales_rep_email="rep@acme.fr",
    excluded=False,
    contacts=[],
    address_ok=True,
    address={
        "lines": ["1 rue de la Paix"],
        "postal_code": "75002",
        "city": "Paris",
        "country": "FR",
    },
)
INVOICE = SimpleNamespace(
    invoice_number="F1",
    issue_date=date(2026, 2, 1),
    due_date=date(2026, 3, 2),
    amount=Decimal("120.00"),
    open_balance=Decimal("80.00"),
    currency="EUR",
    pdf_url=None,
)
DAY = date(2026, 4, 6)


def _build(channel: Means, step: Step):
    return build(
        tenant="ACME",
        channel=channel,
        step=step,
        key="k",
        case_id="case",
        customer=CUSTOMER,
        invoices=[INVOICE],
        day=DAY,
        notice_deadline_days=8,
    )


def test_each_channel_gets_the_command_its_recipient_needs():
    email = _build(Means.EMAIL, Step(14, Means.EMAIL, "second_reminder", cc_sales_rep=True))
    assert isinstance(email, SendEmail) and email.cc == ("rep@acme.fr",)
    assert email.to == ("ap@alice.fr",) and email.step == "D+14-email"
    assert email.invoices[0].open_balance.amount == Decimal("80.00")
    sms = _build(Means.SMS, Step(3, Means.SMS, "first_reminder"))
    assert isinstance(sms, SendSms) and sms.to == "+33612345678"
    notice = _build(Means.REGISTERED_LETTER, Step(35, Means.REGISTERED_LETTER, "formal_notice"))
    assert isinstance(notice, SendLetter) and notice.kind is LetterKind.REGISTERED
    assert notice.formal_notice.penalties_computed_on == DAY
    assert notice.formal_notice.payment_deadline == date(2026, 4, 14)
    assert notice.formal_notice.business_customer is False  # an individual
    portal = _build(Means.PORTAL_NOTICE, Step(10, Means.PORTAL_NOTICE, "overdue"))
    assert isinstance(portal, PostNotice)
    assert _build(Means.CALL, Step(21, Means.CALL, "call")) is None


@pytest.mark.parametrize(
    ("channel", "template"),
    [
        (Means.LETTER, "reminder_letter"),
        (Means.REGISTERED_LETTER, "formal_notice"),
        (Means.SMS, "first_reminder"),
    ],
)
def test_a_rerouted_step_gets_a_template_of_its_new_channel(channel, template):
    assert template_for(Step(7, Means.EMAIL, "first_reminder"), channel) == template


def test_the_key_names_case_step_channel_and_day():
    assert command_key("c1", "D+7-email", "email", DAY) == "c1:D+7-email:email:2026-04-06"


def test_a_thank_you_carries_its_payments_and_every_command_the_tenants_language():
    from encaisse.scheduler.usecases.commands import outside_scenario
    from encaisse.scheduler.usecases.messages import payment_line, payment_lines

    kept = [payment_line("P1", "2026-04-01", "80.00", "EUR")]
    command = outside_scenario(
        tenant="ACME",
        channel=Means.EMAIL,
        template="thank_you",
        step="thank_you",
        key="k",
        case_id="c",
        customer=CUSTOMER,
        invoices=[INVOICE],
        day=DAY,
        notice_deadline_days=8,
        payments=payment_lines(kept),
        fallback_language="en",
    )
    assert isinstance(command, SendEmail) and command.step == "thank_you"
    assert [(p.payment_ref, p.paid_on, p.amount.amount) for p in command.payments] == [
        ("P1", date(2026, 4, 1), Decimal("80.00"))
    ]
    assert command.debtor.fallback_language == "en"
    letter = build(
        tenant="ACME",
        channel=Means.LETTER,
        step=Step(28, Means.LETTER, "reminder_letter"),
        key="k2",
        case_id="c",
        customer=CUSTOMER,
        invoices=[INVOICE],
        day=DAY,
        notice_deadline_days=8,
        fallback_language="fr",
    )
    assert letter is not None and letter.debtor.fallback_language == "fr"
