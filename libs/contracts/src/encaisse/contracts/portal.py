"""The portal's notice command and what debtors do there."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from encaisse.contracts.base import Command, Event, Money
from encaisse.contracts.common import Debtor, InvoiceLine, Position


class PostNotice(Command):
    """Show a notice on the debtor's portal page."""

    routing_key: ClassVar[str] = "portal.notice.v1"

    case_id: str | None = None
    step: str | None = None
    template: str
    debtor: Debtor
    invoices: tuple[InvoiceLine, ...] = ()
    position: Position | None = None


class DisputeReason(StrEnum):
    NOT_RECEIVED = "not_received"
    AMOUNT_WRONG = "amount_wrong"
    GOODS_OR_SERVICE = "goods_or_service"
    ALREADY_PAID = "already_paid"
    OTHER = "other"


class DisputeOpened(Event):
    routing_key: ClassVar[str] = "portal.dispute.opened.v1"

    dispute_id: str
    customer_ref: str
    invoice_number: str
    reason: DisputeReason
    message: str = ""
    attachment_sha256: str | None = None
    opened_at: datetime


class PromiseMade(Event):
    routing_key: ClassVar[str] = "portal.promise.made.v1"

    promise_id: str
    customer_ref: str
    invoice_numbers: tuple[str, ...] = Field(min_length=1)
    promised_date: date
    amount: Money | None = None


class PlanRequested(Event):
    routing_key: ClassVar[str] = "portal.plan.requested.v1"

    plan_id: str
    customer_ref: str
    invoice_numbers: tuple[str, ...] = Field(min_length=1)
    instalments: int = Field(ge=2, le=24)


class CapturedAllocation(BaseModel):
    model_config = ConfigDict(frozen=True)

    invoice_number: str
    amount: Money


class PaymentCaptured(Event):
    """The payment provider captured a debtor's payment: the ledger records it as a payment."""

    routing_key: ClassVar[str] = "portal.payment.captured.v1"

    payment_ref: str = Field(description="unique; the ledger's payment ref")
    customer_ref: str
    amount: Money
    allocations: tuple[CapturedAllocation, ...] = Field(min_length=1)
    captured_at: datetime
    provider: str
    provider_ref: str
