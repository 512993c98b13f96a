"""What the API answers (amounts as decimal strings, never floats)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, Field

from encaisse.contracts.ledger import Contact, InvoiceStatus, PaymentMethod, Segment
from encaisse.ledger.models import Address


class InvoiceOut(BaseModel):
    number: str
    customer_ref: str
    issue_date: date
    due_date: date
    amount: Decimal
    currency: str
    open_balance: Decimal
    status: InvoiceStatus
    pdf_url: str | None
    version: int


class Balance(BaseModel):
    currency: str
    amount: Decimal


class DunningContactOut(BaseModel):
    """The contact a collector collected on a call: no import or PUT changes it."""

    email: str | None = None
    phone: str | None = None
    name: str | None = None
    collected_by: str
    collected_at: datetime
    task_id: str | None = None


class CustomerOut(BaseModel):
    ref: str
    name: str
    legal_id: str | None
    vat_number: str | None
    segment: Segment
    country: str
    language: str
    timezone: str
    payment_method: PaymentMethod
    email: str | None
    phone: str | None
    address: Address | None
    sales_rep_email: str | None
    excluded_from_dunning: bool
    risk_class: str | None
    contacts: list[Contact] = Field(
        description="the people of the customer's record by role, then the dunning contact"
    )
    dunning_contact: DunningContactOut | None
    version: int
    open_invoices: list[InvoiceOut]
    balances: list[Balance]


class InvoicePage(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[InvoiceOut]


class AllocationOut(BaseModel):
    invoice_number: str
    amount: Decimal


class PaymentOut(BaseModel):
    ref: str
    customer_ref: str
    paid_on: date
    amount: Decimal
    currency: str
    method: PaymentMethod
    unallocated: Decimal
    status: str
    rejected_on: date | None
    rejection_reason: str | None
    version: int
    allocations: list[AllocationOut]


class LineRejectionOut(BaseModel):
    line: int
    field: str
    reason: str


class ImportOut(BaseModel):
    kind: str
    lines: int
    created: int
    updated: int
    unchanged: int
    rejected: int
    rejections: list[LineRejectionOut]


class AgingRow(BaseModel):
    currency: str
    not_due: Decimal
    days_1_30: Decimal
    days_31_60: Decimal
    days_61_90: Decimal
    over_90: Decimal
    total: Decimal


class AgingOut(BaseModel):
    as_of: date
    currencies: list[AgingRow]


class DsoRow(BaseModel):
    currency: str
    receivables: Decimal
    sales: Decimal
    dso: Decimal | None


class DsoOut(BaseModel):
    as_of: date
    days: int
    method: str
    currencies: list[DsoRow]
