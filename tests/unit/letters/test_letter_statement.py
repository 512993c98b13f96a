"""The account statement in letters: a simple letter prints the customer's position; a
formal notice keeps demanding its invoices, with penalties, and lists the position's others
for information. Texts, tables, the PDF's text and the evidence summary."""

from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from pypdf import PdfReader

from encaisse.contracts import Money
from encaisse.contracts.common import Position, PositionLine
from encaisse.contracts.letters import LetterKind
from encaisse.letters.domain.compose import compose
from encaisse.letters.domain.rates import bundled_rates
from encaisse.letters.pdf import render_pdf
from encaisse.letters.sample import SENDER, sample_notice

BLOCK = ("Boulangerie Lefèvre SARL", "12 rue de l'Église", "69002 LYON")
AS_OF = date(2024, 5, 31)


def fr(text: str) -> str:
    """``28 181,74 €`` as babel writes it in French (narrow no-break space, no-break space)."""
    head, _, sign = text.rpartition(" ")
    return head.replace(" ", "\u202f") + "\xa0" + sign


def _money(amount: str, currency: str = "EUR") -> Money:
    return Money(amount=Decimal(amount), currency=currency)


def _line(number: str, due: date, balance: str, currency: str = "EUR") -> PositionLine:
    return PositionLine(
        invoice_number=number,
        issue_date=due - timedelta(days=30),
        due_date=due,
        amount=_money(balance, currency),
        open_balance=_money(balance, currency),
        days_overdue=(AS_OF - due).days,
    )


NOTICE = sample_notice()
DEMANDED = tuple(
    PositionLine(**i.model_dump(), days_overdue=(AS_OF - i.due_date).days) for i in NOTICE.invoices
)
# the customer's whole position: the three invoices the notice demands, one more overdue
# (not yet at the formal notice's level), one in dollars, one not yet due
POSITION = Position(
    as_of=AS_OF,
    overdue=(
        *DEMANDED,
        _line("FA-2024-0601", date(2024, 5, 25), "800.00"),
        _line("US-2024-0007", date(2024, 5, 20), "1500.00", "USD"),
    ),
    soon_due=(_line("FA-2024-0650", date(2024, 6, 14), "2200.00"),),
    overdue_totals=(_money("28145.67"), _money("1500.00", "USD")),
    outstanding_totals=(_money("30345.67"), _money("1500.00", "USD")),
)


def _compose(command):
    return compose(
        command,
        BLOCK,
        SENDER,
        today=AS_OF,
        reference="R-1",
        portal_url="http://portal/access/t",
        rates=bundled_rates(),
    )


def _text(content) -> str:
    reader = PdfReader(io.BytesIO(render_pdf(content, title="x")))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def _simple(**update):
    return NOTICE.model_copy(
        update={
            "template": "reminder_letter",
            "kind": LetterKind.SIMPLE,
            "formal_notice": None,
            "position": POSITION,
            **update,
        }
    )


def test_a_simple_letter_prints_the_whole_position_with_days_overdue_and_totals():
    content = _compose(_simple())
    assert content.table.header[-1] == "Jours"
    assert content.table.rows[3] == (
        "FA-2024-0601",
        "25/04/2024",
        "25/05/2024",
        fr("800,00 €"),
        fr("800,00 €"),
        "6",
    )
    assert [row[0] for row in content.table.rows] == [
        "FA-2024-0117",
        "FA-2024-0342",
        "FA-2024-0515",
        "FA-2024-0601",
        "US-2024-0007",
    ]
    assert [row[-1] for row in content.table.rows] == ["121", "61", "16", "6", "11"]
    assert content.table.totals == (
        ("Total échu (EUR)", "", "", "", fr("28 145,67 €"), ""),
        ("Total échu (USD)", "", "", "", "1\u202f500,00\xa0$US", ""),
    )
    (soon,) = content.sections
    assert soon.title == "Factures à échoir"
    assert soon.table.rows == (
        (
            "FA-2024-0650",
            "15/05/2024",
            "14/06/2024",
            fr("2 200,00 €"),
            fr("2 200,00 €"),
            "dans 14 j",
        ),
    )
    assert f"montant total de {fr('28 145,67 €')} + 1\u202f500,00\xa0$US" in content.before_table[0]
    assert content.after_sections == (
        f"Total restant dû au 31 mai 2024, échu et à échoir : {fr('30 345,67 €')} + "
        "1\u202f500,00\xa0$US.",
    )


def test_a_simple_letter_s_pdf_and_evidence_show_the_statement():
    content = _compose(_simple())
    text = _text(content)
    for expected in (
        "FA-2024-0601",
        "US-2024-0007",
        "1 500,00 $US",
        "Total échu (EUR)",
        "28 145,67 €",
        "Factures à échoir",
        "FA-2024-0650",
        "dans 14 j",
        "Total restant dû au 31 mai 2024, échu et à échoir : 30 345,67 € + 1 500,00 $US.",
    ):
        assert expected in text.replace("\xa0", " "), expected
    summary = content.summary
    assert summary["as_of"] == "2024-05-31"
    assert [(i["number"], i["days_overdue"]) for i in summary["invoices"]] == [
        ("FA-2024-0117", 121),
        ("FA-2024-0342", 61),
        ("FA-2024-0515", 16),
        ("FA-2024-0601", 6),
        ("US-2024-0007", 11),
    ]
    assert summary["soon_due"][0]["number"] == "FA-2024-0650"
    assert summary["soon_due"][0]["days_overdue"] == -14
    assert summary["overdue_totals"]["amounts"] == {"EUR": "28145.67", "USD": "1500.00"}
    assert summary["outstanding_totals"]["printed"] == [fr("30 345,67 €"), "1\u202f500,00\xa0$US"]
    assert summary["printed_total"] == f"{fr('28 145,67 €')} + 1\u202f500,00\xa0$US"


def test_an_english_simple_letter_prints_the_statement_in_english():
    debtor = NOTICE.debtor.model_copy(update={"language": "en-GB"})
    content = _compose(_simple(debtor=debtor))
    assert content.table.totals[0] == ("Total overdue (EUR)", "", "", "", "€28,145.67", "")
    assert content.sections[0].title == "Invoices not yet due"
    assert content.sections[0].table.header[-1] == "Not yet due"
    assert content.sections[0].table.rows[0][-1] == "in 14 d"
    assert content.after_sections == (
        "Total outstanding on 31 May 2024, overdue and not yet due: €30,345.67 + US$1,500.00.",
    )


@pytest.mark.parametrize(
    "position", [None, POSITION.model_copy(update={"overdue": (), "overdue_totals": ()})]
)
def test_a_simple_letter_without_an_overdue_position_keeps_its_invoice_list(position):
    content = _compose(_simple(position=position))
    assert content.table.header[-1] == "Reste dû" and content.sections == ()
    assert content.table.totals == (("Total", "", "", "", fr("27 345,67 €")),)
    assert "as_of" not in content.summary and content.after_sections == ()


def test_a_formal_notice_demands_its_invoices_and_lists_the_others_for_information_only():
    content = _compose(NOTICE.model_copy(update={"position": POSITION}))
    # the demand is today's: the three invoices, with penalties and indemnity on each
    assert [row[0] for row in content.table.rows] == [
        "FA-2024-0117",
        "FA-2024-0342",
        "FA-2024-0515",
    ]
    assert content.table.rows[1][5:] == (fr("156,92 €"), fr("40,00 €"))
    assert content.summary["totals"] == {"EUR": "28181.74"}
    assert fr("28 181,74 €") + " au plus tard le 10 juin 2024" in content.before_table[0]
    # the others: not demanded, no penalty or indemnity column, their own totals per currency
    (others,) = content.sections
    assert others.title.startswith("Pour information, autres factures en cours, non visées")
    assert "Pénalités" not in others.table.header and "Indemnité" not in others.table.header
    assert others.table.rows == (
        ("FA-2024-0601", "25/04/2024", "25/05/2024", fr("800,00 €"), fr("800,00 €"), "6"),
        (
            "US-2024-0007",
            "20/04/2024",
            "20/05/2024",
            "1\u202f500,00\xa0$US",
            "1\u202f500,00\xa0$US",
            "11",
        ),
        (
            "FA-2024-0650",
            "15/05/2024",
            "14/06/2024",
            fr("2 200,00 €"),
            fr("2 200,00 €"),
            "dans 14 j",
        ),
    )
    assert others.table.totals == (
        ("Total (EUR)", "", "", "", fr("3 000,00 €"), ""),
        ("Total (USD)", "", "", "", "1\u202f500,00\xa0$US", ""),
    )
    assert [i["number"] for i in content.summary["also_outstanding"]] == [
        "FA-2024-0601",
        "US-2024-0007",
        "FA-2024-0650",
    ]
    assert all("penalty" not in i for i in content.summary["also_outstanding"])
    assert [i["number"] for i in content.summary["invoices"]] == [
        "FA-2024-0117",
        "FA-2024-0342",
        "FA-2024-0515",
    ]


def test_a_formal_notice_s_pdf_names_its_demand_and_then_the_others_for_information():
    text = _text(_compose(NOTICE.model_copy(update={"position": POSITION}))).replace("\xa0", " ")
    demand, _, information = text.partition("Pour information")
    assert information, "the other outstanding invoices are printed"
    for expected in ("FA-2024-0117", "156,92 €", "28 181,74 €", "120,00 €"):
        assert expected in demand, expected
    for expected in ("FA-2024-0601", "US-2024-0007", "FA-2024-0650", "3 000,00 €"):
        assert expected in information and expected not in demand, expected
    assert "non visées par la présente mise en demeure" in information


@pytest.mark.parametrize("position", [None, POSITION.model_copy(update={"overdue": DEMANDED})])
def test_a_formal_notice_whose_position_holds_nothing_else_prints_no_information_table(
    position,
):
    position = position and position.model_copy(update={"soon_due": ()})
    content = _compose(NOTICE.model_copy(update={"position": position}))
    assert content.sections == ()
    assert "Pour information" not in _text(content)
