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


class Debtor(BaseModel):
    """Who a message is for, with what the sender needs to address them."""

    model_config = ConfigDict(frozen=True)

    customer_ref: str
    name: str
    language: str = Field(default="fr", description="BCP 47, such as fr or en")
    timezone: str = "Europe/Paris"
    country: str = Field(default="FR", pattern=r"^[A-Z]{2}$")
