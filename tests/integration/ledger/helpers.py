"""Request bodies for the ledger's tests."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

TODAY = date.today()


def customer_body(**overrides: Any) -> dict[str, Any]:
    body = {
        "name": "Boulangerie Martin",
        "legal_id": "732829320",
        "segment": "sme",
        "country": "FR",
        "language": "fr",
        "timezone": "Europe/Paris",
        "payment_method": "transfer",
        "email": "compta@martin.example",
        "phone": "+33123456789",
        "address": {
            "lines": ["1 rue de la Paix"],
            "postal_code": "75002",
            "city": "Paris",
            "country": "FR",
        },
        "sales_rep_email": "rep@encaisse.example",
    }
    body.update(overrides)
    return body


def invoice_body(customer_ref: str, amount: str = "1200.00", **overrides: Any) -> dict[str, Any]:
    body = {
        "customer_ref": customer_ref,
        "issue_date": (TODAY - timedelta(days=40)).isoformat(),
        "due_date": (TODAY - timedelta(days=10)).isoformat(),
        "amount": amount,
        "currency": "EUR",
        "pdf_url": None,
    }
    body.update(overrides)
    return body
