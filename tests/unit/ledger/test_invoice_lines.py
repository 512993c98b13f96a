"""The plain invoice parser accepts only what ``InvoiceRow`` accepts, with the same values
(dates and amount as text, which PostgreSQL casts to the same ``date`` and ``numeric``)."""

from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal

import pytest
from pydantic import ValidationError

from encaisse.ledger.invoice_lines import plain_invoice, plain_line_reader
from encaisse.ledger.models import InvoiceRow

LINE = {
    "number": "F-1",
    "customer_ref": "C1",
    "issue_date": "2026-01-05",
    "due_date": "2026-02-04",
    "amount": "1250.5",
    "currency": "EUR",
    "pdf_url": None,
}

CHANGES = [
    {},
    {"amount": "100"},
    {"amount": "0100.00"},
    {"amount": "0"},
    {"amount": "0.00"},
    {"amount": "-1"},
    {"amount": "1.001"},
    {"amount": "1e3"},
    {"amount": " 10.00"},
    {"amount": "9999999999999999.99"},
    {"amount": "10000000000000000"},
    {"amount": "NaN"},
    {"amount": 12},
    {"amount": None},
    {"currency": "EUX"},
    {"currency": "eur"},
    {"currency": " EUR"},
    {"issue_date": "2026-02-30"},
    {"issue_date": "2026-1-5"},
    {"issue_date": "20260105"},
    {"due_date": "2026-01-04"},
    {"due_date": "2026-01-05"},
    {"number": "has space"},
    {"number": "a/b"},
    {"number": ""},
    {"number": "x" * 101},
    {"number": "x" * 100},
    {"number": " F-1 "},
    {"number": 7},
    {"customer_ref": None},
    {"pdf_url": "https://x.example/a,b\nc.pdf"},
    {"pdf_url": " https://x.example/a.pdf "},
    {"pdf_url": ""},
    {"pdf_url": "x" * 2001},
    {"colour": "red"},
    {"pdf_url": "file:///etc/passwd"},
    {"pdf_url": "https://u:p@x.example/a.pdf"},
    {"pdf_url": "ftp://x.example/a.pdf"},
    {"pdf_url": "docs.example/a.pdf"},
    {"pdf_url": "http://127.0.0.1:8080/x.pdf"},
    {"pdf_url": "https:///x.pdf"},
]


def _pydantic(fields: dict) -> tuple | None:
    try:
        row = InvoiceRow.model_validate(fields)
    except ValidationError:
        return None
    return (
        9,
        row.number,
        row.customer_ref,
        row.issue_date,
        row.due_date,
        row.amount,
        row.currency,
        row.pdf_url,
    )


@pytest.mark.parametrize("change", CHANGES)
def test_a_plain_line_gives_what_the_model_gives_or_defers_to_it(change):
    fields = LINE | change
    plain = plain_invoice(9, dict(fields))
    expected = _pydantic(dict(fields))
    if plain is None:  # deferred: the model decides, with its own messages
        return
    assert expected is not None, fields
    line, number, customer, issued, due, amount, currency, pdf_url = plain
    assert (
        line,
        number,
        customer,
        date.fromisoformat(issued),
        date.fromisoformat(due),
        Decimal(amount),
        currency,
        pdf_url,
    ) == expected


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "https://u:p@x.example/a.pdf",
        "ftp://x.example/a.pdf",
        "docs.example/a.pdf",
        "https:///x",
    ],
)
def test_a_document_url_is_http_with_a_host_and_no_credentials(url):
    with pytest.raises(ValidationError, match="pdf_url"):
        InvoiceRow.model_validate(LINE | {"pdf_url": url})
    assert plain_invoice(2, LINE | {"pdf_url": url}) is None


def test_common_lines_take_the_plain_path():
    assert plain_invoice(2, dict(LINE)) is not None
    assert plain_invoice(2, LINE | {"pdf_url": "https://docs.example/F-1.pdf"}) is not None
    assert plain_invoice(2, LINE | {"amount": "0"}) is None


HEADERS = [
    ["number", "customer_ref", "issue_date", "due_date", "amount", "currency", "pdf_url"],
    ["currency", "amount", "number", "due_date", "issue_date", "customer_ref"],
]


def _cell(value) -> str:
    text = "" if value is None else str(value)
    return f'"{text}"' if any(c in text for c in ',"\n') else text


@pytest.mark.parametrize("header", HEADERS)
@pytest.mark.parametrize("change", CHANGES)
def test_a_plain_text_line_gives_what_the_csv_reader_and_plain_invoice_give(header, change):
    """Read straight from the text, or parsed as CSV first: the same record, or deferred."""
    fields = LINE | change  # a column the header lacks is left out, as in a file
    text = ",".join(_cell(fields.get(column)) for column in header) + "\n"
    read = plain_line_reader(header)(9, text)
    values = next(csv.reader([text]))
    parsed = {k: v or None for k, v in zip(header, values, strict=True)}
    slow = plain_invoice(9, parsed)
    if read is None:  # deferred to the CSV reader and the rest, as any line could be
        return
    assert read == slow, text


def test_plain_text_lines_are_the_common_ones_and_odd_headers_are_left_alone():
    read = plain_line_reader(HEADERS[0])
    assert read(3, "F-1,C1,2026-01-05,2026-02-04,1250.50,EUR,https://docs.example/F-1.pdf\n") == (
        3,
        "F-1",
        "C1",
        "2026-01-05",
        "2026-02-04",
        "1250.50",
        "EUR",
        "https://docs.example/F-1.pdf",
    )
    assert read(4, "F-1,C1,2026-01-05,2026-02-04,1250.50,EUR,\r\n")[7] is None
    assert read(5, 'F-1,C1,2026-01-05,2026-02-04,"1250.50",EUR,\n') is None
    assert read(6, "F-1,C1,2026-01-05,2026-02-04,0.00,EUR,\n") is None
    assert plain_line_reader(["number", "number", "customer_ref"]) is None
    assert plain_line_reader(["number", "customer_ref", "amount"]) is None
