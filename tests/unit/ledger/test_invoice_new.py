"""The events and COPY rows the bulk path for new invoices writes, checked without I/O."""

from __future__ import annotations

import json
import re
import uuid
from datetime import date
from decimal import Decimal

import pytest

from encaisse.contracts.ledger import InvoiceIssued
from encaisse.ledger.repository.invoice_new import (
    COLUMNS,
    ROUTING_KEY,
    copy_text,
    invoice_texts,
    json_text,
    message_ids,
    money_text,
)


@pytest.mark.parametrize(
    ("written", "stored"),
    [
        ("1250.00", "1250.00"),
        ("1250.5", "1250.50"),
        ("1250", "1250.00"),
        ("007.05", "7.05"),
        ("0.5", "0.50"),
        ("9999999999999999.99", "9999999999999999.99"),
    ],
)
def test_amounts_read_as_numeric_18_2_prints_them(written, stored):
    assert money_text(written) == stored == f"{Decimal(written).quantize(Decimal('0.01'))}"


@pytest.mark.parametrize(
    ("number", "customer", "pdf_url", "amount"),
    [
        ("F-2026-001", "C-1", None, "1250.5"),
        ("F-2026-002", "C-1", "https://docs.example/F-2026-002.pdf", "99.90"),
        ('F"quoted"', "C\\back", "https://docs.example/a,b\nc\td.pdf", "007"),
        ("Fé-ü", "C\u2028", "https://docs.example/\x01\x7f.pdf", "12.3"),
    ],
)
def test_the_copy_row_and_the_event_say_what_the_contract_and_copy_would(
    number, customer, pdf_url, amount
):
    tenant = 'ACME "1"'
    money = {"amount": Decimal(amount).quantize(Decimal("0.01")), "currency": "EUR"}
    model = InvoiceIssued(
        tenant=tenant,
        version=1,
        invoice_number=number,
        customer_ref=customer,
        issue_date=date(2026, 1, 5),
        due_date=date(2026, 2, 4),
        amount=money,
        open_balance=money,
        status="open",
        pdf_url=pdf_url,
    )
    row, line = invoice_texts(
        copy_text(tenant),
        json_text(tenant),
        "m-1",
        number,
        customer,
        "2026-01-05",
        "2026-02-04",
        amount,
        "EUR",
        pdf_url,
    )
    message_id, routing_key, subject, body = line.removesuffix("\n").split("\t", 3)
    assert (message_id, routing_key, json.loads(subject)) == ("m-1", ROUTING_KEY, number)
    assert body.encode() == model.model_dump_json().encode()
    assert "\n" not in line[:-1]
    cells = dict(zip(COLUMNS, row.removesuffix("\n").split("\t"), strict=True))
    assert {k: _copy_read(v) for k, v in cells.items()} == {
        "tenant": tenant,
        "number": number,
        "customer_ref": customer,
        "issue_date": "2026-01-05",
        "due_date": "2026-02-04",
        "amount": str(money["amount"]),
        "currency": "EUR",
        "open_balance": str(money["amount"]),
        "status": "open",
        "pdf_url": pdf_url,
        "version": "1",
    }


def _copy_read(cell: str) -> str | None:
    """What COPY's text format reads a cell as."""
    if cell == "\\N":
        return None
    escapes = {"\\\\": "\\", "\\t": "\t", "\\n": "\n", "\\r": "\r"}
    return re.sub(r"\\[\\tnr]", lambda m: escapes[m.group()], cell)


def test_copy_text_escapes_what_copy_would_read_as_syntax():
    assert copy_text(None) == "\\N"
    assert copy_text("plain") == "plain"
    assert copy_text("a\\b\tc\nd\re") == "a\\\\b\\tc\\nd\\re"


def test_message_ids_are_distinct_random_uuids():
    ids = message_ids(1000)
    assert len(set(ids)) == 1000
    for value in ids[:50]:
        parsed = uuid.UUID(value)
        assert (parsed.version, parsed.variant, str(parsed)) == (4, uuid.RFC_4122, value)
