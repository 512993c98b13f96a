"""Payload parts shared by several services' messages."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from encaisse.contracts.base import Money


class InvoiceLine(BaseModel):
    """One invoice as a message to the debtor lists it."""

    model_config = ConfigDict(frozen=True)

    invoice_number: str
    issue_date: date
    due_date: date
    amount: Money
    open_balance: Money
    pdf_url: str | None = None


class PositionLine(InvoiceLine):
    """An invoice in a customer's position, with how late it is on the position's day."""

    days_overdue: int = Field(description="days past the due date; negative: days before it")


class PaymentLine(BaseModel):
    """A payment as a thank-you lists it."""

    model_config = ConfigDict(frozen=True)

    payment_ref: str
    paid_on: date
    amount: Money


class Position(BaseModel):
    """A customer's whole position on a day, as every client-facing message shows it (the
    account statement): every overdue invoice with its days overdue, the invoices soon
    due, and totals per currency (a currency's invoices are never summed with another's)."""

    model_config = ConfigDict(frozen=True)

    as_of: date
    overdue: tuple[PositionLine, ...] = ()
    soon_due: tuple[PositionLine, ...] = ()
    overdue_totals: tuple[Money, ...] = Field(default=(), description="one per currency")
    outstanding_totals: tuple[Money, ...] = Field(
        default=(), description="overdue and soon due together, one per currency"
    )


class Debtor(BaseModel):
    """Who a message is for, with what the sender needs to address them."""

    model_config = ConfigDict(frozen=True)

    customer_ref: str
    name: str
    language: str = Field(default="fr", description="BCP 47, such as fr or en")
    timezone: str = "Europe/Paris"
    country: str = Field(default="FR", pattern=r"^[A-Z]{2}$")
    fallback_language: str | None = Field(
        default=None,
        description="the tenant's language: used when no template exists in the debtor's",
    )
