"""Amounts in a letter: each currency with its own decimals, as the reader's language writes
them (``encaisse.kit.money.format_money``), the same in the PDF and in the letter's summary
(its evidence); dates in the tables in the reader's short format."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from pypdf import PdfReader

from encaisse.contracts.base import Money
from encaisse.letters.domain.compose import compose
from encaisse.letters.domain.rates import bundled_rates
from encaisse.letters.pdf import drawable, render_pdf
from encaisse.letters.sample import SENDER, sample_notice

NNBSP, NBSP = "\u202f", "\xa0"
BLOCK = ("Boulangerie Lefèvre SARL", "12 rue de l'Église", "69002 LYON")
AMOUNTS = (("K-1", "1234.567", "KWD"), ("J-1", "1234", "JPY"), ("E-1", "1234.50", "EUR"))
PRINTED = {
    "fr": (f"1{NNBSP}234,567{NBSP}KWD", f"1{NNBSP}234{NBSP}JPY", f"1{NNBSP}234,50{NBSP}€"),
    "en": ("KWD1,234.567", "¥1,234", "€1,234.50"),
    "en-GB": ("KWD1,234.567", "JP¥1,234", "€1,234.50"),  # CLDR: the yen told apart
}
# the PDF's fonts draw a no-break space with the space glyph: its text reads back with spaces
READ_BACK = {
    "fr": ("1 234,567 KWD", "1 234 JPY", "1 234,50 €"),
    "en": PRINTED["en"],
    "en-GB": PRINTED["en-GB"],
}


def _statement(language: str, amounts=AMOUNTS):
    command = sample_notice().model_copy(
        update={"template": "reminder_letter", "formal_notice": None}
    )
    first = command.invoices[0]
    invoices = tuple(
        first.model_copy(
            update={
                "invoice_number": number,
                "amount": Money(amount=Decimal(amount), currency=currency),
                "open_balance": Money(amount=Decimal(amount), currency=currency),
            }
        )
        for number, amount, currency in amounts
    )
    debtor = command.debtor.model_copy(update={"language": language})
    return command.model_copy(update={"invoices": invoices, "debtor": debtor})


def _content(command):
    return compose(
        command,
        BLOCK,
        SENDER,
        today=date(2024, 5, 31),
        reference="R-1",
        portal_url=None,
        rates=bundled_rates(),
    )


def _pdf_text(content) -> str:
    pdf = render_pdf(content, title="amounts")
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


@pytest.mark.parametrize("language", ["fr", "en", "en-GB"])
def test_kwd_jpy_and_eur_print_with_their_own_decimals(language):
    content = _content(_statement(language))
    assert [row[-1] for row in content.table.rows] == list(PRINTED[language])
    text = _pdf_text(content)
    for expected in READ_BACK[language]:
        assert expected in text, expected
    assert "1,234.57" not in text and "1 234,57 " not in text  # KWD has three decimals
    assert NNBSP not in text and "\u25a0" not in text  # no glyph the font lacks


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_summary_keeps_the_amounts_as_printed(language):
    content = _content(_statement(language))
    printed = [i["printed"]["open_balance"] for i in content.summary["invoices"]]
    assert printed == list(PRINTED[language])
    assert [i["open_balance"] for i in content.summary["invoices"]] == [
        "1234.567",
        "1234",
        "1234.50",
    ]
    assert content.summary["printed_total"] in content.before_table[0]
    text = " ".join(_pdf_text(content).split())
    for amount in (*printed, content.summary["printed_total"]):
        assert " ".join(drawable(amount).split()) in text, amount


def test_a_formal_notice_s_summary_is_what_its_table_prints():
    content = _content(sample_notice())
    [first, *_] = content.summary["invoices"]
    assert first["printed"] == {
        "open_balance": content.table.rows[0][2],
        "penalty": content.table.rows[0][5],
        "indemnity": content.table.rows[0][6],
    }
    assert content.summary["printed_total"] == f"28{NNBSP}181,74{NBSP}€"


def test_an_amount_is_never_cut_at_the_end_of_a_line():
    """The French groups and currency are held by no-break spaces: a total of many
    currencies wraps between amounts, never inside one."""
    currencies = ("EUR", "JPY", "KWD", "USD", "GBP", "CHF", "SEK", "NOK", "DKK", "PLN", "CZK")
    content = _content(_statement("fr", tuple((f"F-{c}", "1234567.891", c) for c in currencies)))
    text = _pdf_text(content)
    opening = text.split("total de")[1].split("Nous vous")[0]
    assert "\n" in opening.strip()  # the paragraph does wrap
    for invoice in content.summary["invoices"]:
        amount = drawable(invoice["printed"]["open_balance"]).replace(NBSP, " ")
        assert amount in opening, amount


@pytest.mark.parametrize(
    ("language", "due"), [("fr", "31/01/2024"), ("en-GB", "31/01/2024"), ("en", "1/31/24")]
)
def test_the_tables_dates_are_in_the_reader_s_short_format(language, due):
    content = _content(_statement(language))
    assert {row[2] for row in content.table.rows} == {due}
