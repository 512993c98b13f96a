"""Validation of the ledger's input models, without I/O."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from encaisse.ledger.models import CustomerIn, InvoiceRow, PaymentIn

INVOICE = {
    "number": "F1",
    "customer_ref": "C1",
    "issue_date": "2026-01-01",
    "due_date": "2026-01-31",
    "amount": "10.5",
    "currency": "EUR",
}


def _fields(exc: ValidationError) -> set[str]:
    return {str(e["loc"][0]) for e in exc.errors()}


def test_an_invoice_is_normalised():
    row = InvoiceRow.model_validate(INVOICE)
    assert str(row.amount) == "10.50" and row.pdf_url is None


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"amount": "0"}, "amount"),
        ({"amount": "-1"}, "amount"),
        ({"amount": "1.001"}, "amount"),
        ({"amount": "NaN"}, "amount"),
        ({"currency": "EURO"}, "currency"),
        ({"currency": "XYZ"}, "currency"),
        ({"due_date": "2025-12-31"}, "due_date"),
        ({"number": "has space"}, "number"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_invoice_rejections_name_the_field(change, field):
    with pytest.raises(ValidationError) as exc:
        InvoiceRow.model_validate(INVOICE | change)
    assert _fields(exc.value) == {field}


def test_customer_identifiers():
    base = {"name": "X", "segment": "sme", "country": "fr"}
    customer = CustomerIn.model_validate(
        base | {"legal_id": "732 829 320 00074", "phone": "+33 1 23 45 67 89"}
    )
    assert (customer.country, customer.legal_id, customer.phone) == (
        "FR",
        "73282932000074",
        "+33123456789",
    )
    for field, value in (
        ("legal_id", "732829321"),
        ("phone", "+331"),
        ("email", "a@"),
        ("country", "ZZ"),
        ("timezone", "Nowhere/City"),
        ("segment", "big"),
    ):
        with pytest.raises(ValidationError) as exc:
            CustomerIn.model_validate(base | {field: value})
        assert _fields(exc.value) == {field}


def test_payment_allocations_are_checked_line_by_line():
    with pytest.raises(ValidationError) as exc:
        PaymentIn.model_validate(
            {
                "ref": "P",
                "customer_ref": "C",
                "date": "2026-01-01",
                "amount": "10",
                "currency": "EUR",
                "method": "cash",
                "allocations": [{"invoice_number": "F", "amount": "0"}],
            }
        )
    assert {tuple(e["loc"]) for e in exc.value.errors()} == {
        ("method",),
        ("allocations", 0, "amount"),
    }
