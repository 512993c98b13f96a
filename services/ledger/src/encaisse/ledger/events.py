"""Event payloads built from the ledger's rows (the Python path; bulk paths build them in SQL)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import RowMapping

from encaisse.contracts import Money
from encaisse.contracts.ledger import CustomerUpserted, InvoiceState, PostalAddress
from encaisse.ledger import db

CUSTOMER_FIELDS = tuple(
    c.name
    for c in db.customers.columns
    if c.name not in ("tenant", "ref", "version", "created_at", "updated_at")
)


def invoice_event(cls: type[InvoiceState], row: RowMapping, **extra: Any) -> InvoiceState:
    return cls(
        tenant=row["tenant"],
        version=row["version"],
        invoice_number=row["number"],
        customer_ref=row["customer_ref"],
        issue_date=row["issue_date"],
        due_date=row["due_date"],
        amount=Money(amount=row["amount"], currency=row["currency"]),
        open_balance=Money(amount=row["open_balance"], currency=row["currency"]),
        status=row["status"],
        pdf_url=row["pdf_url"],
        **extra,
    )


def customer_event(row: RowMapping, created: bool) -> CustomerUpserted:
    fields = {name: row[name] for name in CUSTOMER_FIELDS}
    if fields["address"] is not None:
        fields["address"] = PostalAddress(**fields["address"])
    return CustomerUpserted(
        tenant=row["tenant"],
        version=row["version"],
        customer_ref=row["ref"],
        created=created,
        **fields,
    )
