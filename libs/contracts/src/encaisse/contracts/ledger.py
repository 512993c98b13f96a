"""Events published by the ledger: customers, invoices and payments.

Invoice events carry the whole invoice state after the change (event-carried
state transfer), so a read model never has to ask the ledger for it.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from encaisse.contracts.base import Command, Event, Money


class Segment(StrEnum):
    SME = "sme"
    KEY_ACCOUNT = "key_account"
    EXPORT = "export"
    PUBLIC = "public"
    INDIVIDUAL = "individual"


class PaymentMethod(StrEnum):
    TRANSFER = "transfer"
    CHEQUE = "cheque"
    CARD = "card"
    DIRECT_DEBIT = "direct_debit"


class InvoiceStatus(StrEnum):
    OPEN = "open"
    PARTIALLY_PAID = "partially_paid"
    PAID = "paid"
    CANCELLED = "cancelled"
    WRITTEN_OFF = "written_off"


class PostalAddress(BaseModel):
    model_config = ConfigDict(frozen=True)

    lines: tuple[str, ...] = Field(description="street lines, recipient name excluded")
    postal_code: str
    city: str
    country: str = Field(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2")


class ContactRole(StrEnum):
    """Whom a contact is, for the steps that name a role (the firmer steps address the
    finance director). ``dunning`` is the contact collected by a collector on a call,
    kept by the ledger apart from what the accounting system imports."""

    BILLING = "billing"
    ACCOUNTS_PAYABLE = "accounts_payable"
    FINANCE_DIRECTOR = "finance_director"
    MANAGER = "manager"
    BUYER = "buyer"
    DUNNING = "dunning"


class PreferredChannel(StrEnum):
    EMAIL = "email"
    PHONE = "phone"
    SMS = "sms"
    LETTER = "letter"


class Contact(BaseModel):
    """One person to reach at a customer."""

    model_config = ConfigDict(frozen=True)

    role: ContactRole
    name: str | None = None
    email: str | None = None
    phone: str | None = Field(default=None, description="E.164")
    hours: str | None = Field(
        default=None, description="when to reach them, as a collector reads it: Mon-Fri 9-12"
    )
    preferred_channel: PreferredChannel | None = None


class CustomerUpserted(Event):
    """A customer was created or its record changed."""

    routing_key: ClassVar[str] = "ledger.customer.upserted.v1"

    customer_ref: str
    name: str
    legal_id: str | None = None
    vat_number: str | None = None
    segment: Segment
    country: str = Field(pattern=r"^[A-Z]{2}$")
    language: str = Field(description="BCP 47 language tag, such as fr or en")
    timezone: str = Field(description="IANA time zone, such as Europe/Paris")
    payment_method: PaymentMethod
    email: str | None = None
    phone: str | None = Field(default=None, description="E.164")
    address: PostalAddress | None = None
    sales_rep_email: str | None = None
    excluded_from_dunning: bool = False
    created: bool = Field(description="true when this change created the customer")
    contacts: tuple[Contact, ...] = Field(
        default=(),
        description="people to reach beyond the billing email and phone above, by role; "
        "the collected dunning contact among them",
    )
    risk_class: str | None = Field(
        default=None, description="the tenant's own risk grade (such as low, medium, high)"
    )


class InvoiceState(Event):
    """The invoice as it stands after the change."""

    invoice_number: str
    customer_ref: str
    issue_date: date
    due_date: date
    amount: Money
    open_balance: Money
    status: InvoiceStatus
    pdf_url: str | None = None


class InvoiceIssued(InvoiceState):
    routing_key: ClassVar[str] = "ledger.invoice.issued.v1"


class InvoiceUpdated(InvoiceState):
    """Amended (``reason`` = ``amended``), partially paid, or re-opened by a rejected debit."""

    routing_key: ClassVar[str] = "ledger.invoice.updated.v1"

    reason: str = Field(description="amended, partially_paid or reopened")
    changed_fields: tuple[str, ...] = ()
    previous_due_date: date | None = None


class InvoiceSettled(InvoiceState):
    routing_key: ClassVar[str] = "ledger.invoice.settled.v1"

    settled_on: date
    payment_refs: tuple[str, ...] = ()


class InvoiceCancelled(InvoiceState):
    routing_key: ClassVar[str] = "ledger.invoice.cancelled.v1"


class InvoiceWrittenOff(InvoiceState):
    routing_key: ClassVar[str] = "ledger.invoice.written_off.v1"


class Allocation(BaseModel):
    model_config = ConfigDict(frozen=True)

    invoice_number: str
    amount: Money
    open_balance_after: Money


class PaymentReceived(Event):
    routing_key: ClassVar[str] = "ledger.payment.received.v1"

    payment_ref: str
    customer_ref: str
    paid_on: date
    amount: Money
    method: PaymentMethod
    allocations: tuple[Allocation, ...]
    unallocated: Money


class PaymentRejected(Event):
    """A direct debit came back unpaid: what it paid is open again."""

    routing_key: ClassVar[str] = "ledger.payment.rejected.v1"

    payment_ref: str
    customer_ref: str
    rejected_on: date
    reason: str | None = None
    reopened: tuple[Allocation, ...] = Field(description="allocations undone, balance after")


class RecordDunningContact(Command):
    """A collector got an email or a phone number on a call: the ledger keeps it as the
    customer's dunning contact, which the next import from the accounting system does not
    overwrite."""

    routing_key: ClassVar[str] = "ledger.record_dunning_contact.v1"

    customer_ref: str
    email: str | None = None
    phone: str | None = Field(default=None, description="E.164")
    name: str | None = None
    collected_by: str = Field(description="who collected it")
    task_id: str | None = Field(default=None, description="the call it came from")
