"""The one list of the invoice event's fields drives the model, the Python writer and the SQL."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from encaisse.contracts.ledger import InvoiceIssued, InvoiceState
from encaisse.ledger.domain.events import (
    INVOICE_STATE,
    Kind,
    StateField,
    invoice_event,
    json_text,
    json_writer,
    state_columns,
)
from encaisse.ledger.repository.invoice_sql import state_json

ROW = {
    "tenant": 'ACME "1"',
    "version": 3,
    "number": "F\\é-😀",
    "customer_ref": "C\x01",
    "issue_date": date(2026, 1, 5),
    "due_date": date(2026, 2, 4),
    "amount": Decimal("1234.50"),
    "currency": "KWD",
    "open_balance": Decimal("0.50"),
    "status": "partially_paid",
    "pdf_url": None,
}


def test_the_list_is_the_contracts_fields_in_order():
    assert tuple(f.name for f in INVOICE_STATE) == tuple(InvoiceState.model_fields)
    assert tuple(InvoiceIssued.model_fields) == tuple(InvoiceState.model_fields)


def test_the_writer_gives_the_models_bytes():
    texts = {
        column: json_text(value) if isinstance(value, str) or value is None else str(value)
        for column, value in ROW.items()
    }
    for column in ("issue_date", "due_date", "amount", "open_balance", "currency", "status"):
        texts[column] = str(ROW[column])
    assert json_writer()(**texts) == invoice_event(InvoiceIssued, ROW).model_dump_json()


def test_a_field_added_to_the_list_reaches_the_writer_and_the_sql():
    more = (*INVOICE_STATE, StateField("credit_note", "credit_note_of", Kind.TEXT))
    texts = dict.fromkeys(state_columns(), '"x"')
    assert json_writer(more)(**texts, credit_note_of="null").endswith(',"credit_note":null}')
    sql = state_json("e", {"tenant": "$1::text"}, more)
    last = """',"credit_note":' || coalesce(to_json(e.credit_note_of)::text, 'null')"""
    assert sql.endswith(last)
    assert "credit_note_of" in state_columns(more)


def test_the_sql_reads_each_column_and_is_given_the_tenant():
    sql = state_json("e", {"tenant": "$1::text"})
    assert "to_json($1::text)" in sql and "e.tenant" not in sql
    for column in state_columns():
        if column != "tenant":
            assert f"e.{column}" in sql
    assert sql.startswith("""'"tenant":' || """)


def test_the_writer_refuses_names_it_cannot_compile():
    with pytest.raises(ValueError, match="identifiers"):
        json_writer((StateField("x'); import os; ('", "number", Kind.TEXT),))
