"""The account statement through the notifier's consumer: a SendEmail and a SendSms carrying
the customer's position, over RabbitMQ, to a real SMTP server and the SMS sandbox."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from notifier_helpers import Bus, email_command, eventually, running_notifier

from encaisse.contracts import Money
from encaisse.contracts.common import Position
from encaisse.contracts.notifier import SendSms
from support.services import TENANT
from support.statements import position_line

NNBSP = "\u202f"


POSITION = Position(
    as_of=date(2026, 2, 20),
    overdue=(
        position_line("F-001", date(2026, 2, 4), 16, "1000.00"),
        position_line("F-002", date(2026, 2, 10), 10, "99.99"),
        position_line("F-003", date(2026, 2, 4), 16, "250.00", "USD"),
    ),
    soon_due=(position_line("F-004", date(2026, 3, 2), -10, "400.00"),),
    overdue_totals=(
        Money(amount=Decimal("1099.99"), currency="EUR"),
        Money(amount=Decimal("250.00"), currency="USD"),
    ),
    outstanding_totals=(
        Money(amount=Decimal("1499.99"), currency="EUR"),
        Money(amount=Decimal("250.00"), currency="USD"),
    ),
)


async def test_an_email_carrying_a_position_shows_the_statement_and_keeps_it_as_evidence(
    database_url, amqp_url, smtp
):
    async with running_notifier(database_url, amqp_url, smtp) as http, Bus(amqp_url) as bus:
        await bus.send(email_command(position=POSITION))
        await eventually(lambda: bus.of_type("message.sent.v1"))
        (mail,) = smtp.received
        text = mail.get_body(("plain",)).get_content()
        html = mail.get_body(("html",)).get_content()
        assert "Relevé de compte au 20 février 2026" in text
        assert (
            f"- Facture F-001, date 05/01/2026, échéance 04/02/2026 : montant 1{NNBSP}000,00\xa0€, "
            f"reste dû 1{NNBSP}000,00\xa0€, 16 jours de retard" in text
        )
        assert "Factures à échoir (1) :" in text and "échéance dans 10 jours" in text
        assert f"Total échu (EUR) : 1{NNBSP}099,99\xa0€" in text
        assert "Total échu (USD) : 250,00\xa0$US" in text
        assert f"Total restant dû (EUR) : 1{NNBSP}499,99\xa0€" in text
        assert "Factures concernées" not in text
        assert "<td>F-004</td>" in html and '<td align="right">10 jours</td>' in html
        evidence = (await http.get("/v1/messages", params={"customer": "C-42"})).json()
        assert evidence[0]["body_text"] == text.replace("\r\n", "\n")


async def test_an_sms_carrying_a_position_says_its_overdue_totals(database_url, amqp_url, smtp):
    base = email_command()
    async with running_notifier(database_url, amqp_url, smtp) as http, Bus(amqp_url) as bus:
        await bus.send(
            SendSms(
                tenant=TENANT,
                idempotency_key="sms-statement",
                template="first_reminder",
                debtor=base.debtor,
                to="+33612345678",
                include_portal_link=False,
                position=POSITION,
            )
        )
        await eventually(lambda: bus.of_type("message.sent.v1"))
        (sms,) = (await http.get("/v1/messages", params={"customer": "C-42"})).json()
        assert sms["body_text"] == (
            "Dupont & Fils : sauf erreur de notre part, des factures échues restent impayées. "
            "Total échu : 1 099,99 €, 250,00 $US."
        )
