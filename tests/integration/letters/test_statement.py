"""The account statement through the letters service: commands carrying the customer's
position in over RabbitMQ, the PDF and the evidence read back over HTTP."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from encaisse.contracts import Money
from encaisse.contracts.common import Position, PositionLine
from encaisse.contracts.letters import LetterKind
from encaisse.letters.usecases.letters import letter_id_for
from integration.letters.test_lifecycle import TENANT, notice, text_of

AS_OF = date(2024, 5, 31)


def _eur(amount: str) -> Money:
    return Money(amount=Decimal(amount), currency="EUR")


def _position(command) -> Position:
    """The notice's three invoices, one more overdue and one not yet due."""
    lines = [
        PositionLine(**i.model_dump(), days_overdue=(AS_OF - i.due_date).days)
        for i in command.invoices
    ]
    extra = PositionLine(
        invoice_number="FA-2024-0601",
        issue_date=date(2024, 4, 25),
        due_date=date(2024, 5, 25),
        amount=_eur("800.00"),
        open_balance=_eur("800.00"),
        days_overdue=6,
    )
    soon = extra.model_copy(
        update={
            "invoice_number": "FA-2024-0650",
            "due_date": date(2024, 6, 14),
            "days_overdue": -14,
        }
    )
    return Position(
        as_of=AS_OF,
        overdue=(*lines, extra),
        soon_due=(soon,),
        overdue_totals=(_eur("28145.67"),),
        outstanding_totals=(_eur("28945.67"),),
    )


async def _sent(bus, letters, command) -> tuple[dict, str]:
    letter_id = letter_id_for(TENANT, command.idempotency_key)
    await bus.send(command)
    await bus.events.wait(lambda: "posted" in bus.events.of(letter_id))
    letter = (await letters.get(f"/v1/letters/{letter_id}")).json()
    pdf = await letters.get(f"/v1/letters/{letter_id}/pdf")
    return letter, " ".join(text_of(pdf.content).replace("\xa0", " ").split())


async def test_a_formal_notice_with_a_position_lists_the_others_for_information(
    bus, sandbox, letters
):
    command = notice("notice-with-position")
    command = command.model_copy(update={"position": _position(command)})
    letter, text = await _sent(bus, letters, command)
    assert letter["summary"]["totals"] == {"EUR": "28181.74"}  # the demand, as today
    assert [i["number"] for i in letter["summary"]["also_outstanding"]] == [
        "FA-2024-0601",
        "FA-2024-0650",
    ]
    demand, _, information = text.partition("Pour information")
    assert "156,92 €" in demand and "28 181,74 €" in demand
    assert "non visées par la présente mise en demeure" in information
    assert "FA-2024-0601" in information and "FA-2024-0650" in information
    assert "1 600,00 €" in information  # their open balances, summed, not demanded


async def test_a_simple_letter_with_a_position_prints_the_statement(bus, sandbox, letters):
    command = notice("letter-with-position")
    command = command.model_copy(
        update={
            "template": "reminder_letter",
            "kind": LetterKind.SIMPLE,
            "formal_notice": None,
            "position": _position(command),
        }
    )
    letter, text = await _sent(bus, letters, command)
    summary = letter["summary"]
    assert summary["as_of"] == "2024-05-31"
    assert [(i["number"], i["days_overdue"]) for i in summary["invoices"]][-1] == (
        "FA-2024-0601",
        6,
    )
    assert summary["outstanding_totals"]["amounts"] == {"EUR": "28945.67"}
    for expected in (
        "montant total de 28 145,67 €",
        "Total échu (EUR)",
        "Factures à échoir",
        "dans 14 j",
        "Total restant dû au 31 mai 2024, échu et à échoir : 28 945,67 €.",
    ):
        assert expected in text, expected
