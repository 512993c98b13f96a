"""Commands the letters service takes and the postal reports it publishes."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from encaisse.contracts.base import Command, Event, Money
from encaisse.contracts.common import Debtor, InvoiceLine, Position
from encaisse.contracts.ledger import PostalAddress


class LetterKind(StrEnum):
    SIMPLE = "simple"
    REGISTERED = "registered"


class NoticePayment(BaseModel):
    """A partial payment of a listed invoice since its due date: penalties on it stop then."""

    model_config = ConfigDict(frozen=True)

    invoice_number: str
    paid_on: date
    amount: Money


class FormalNotice(BaseModel):
    """What makes a registered letter a formal notice (mise en demeure)."""

    model_config = ConfigDict(frozen=True)

    penalties_computed_on: date
    payment_deadline: date
    business_customer: bool = Field(description="B2B: penalties and the 40 EUR indemnity apply")
    contract_rate: Decimal | None = Field(
        default=None, description="annual rate in percent from the terms"
    )
    payments: tuple[NoticePayment, ...] = Field(
        default=(), description="partial payments since the due dates, for exact penalties"
    )


class SendLetter(Command):
    routing_key: ClassVar[str] = "letters.send_letter.v1"

    case_id: str | None = None
    step: str | None = None
    kind: LetterKind
    template: str = Field(description="reminder_letter, formal_notice, or a tenant's own")
    debtor: Debtor
    address: PostalAddress
    invoices: tuple[InvoiceLine, ...] = Field(
        min_length=1, description="what the letter demands (a formal notice: with penalties)"
    )
    formal_notice: FormalNotice | None = None
    position: Position | None = Field(
        default=None, description="the customer's whole position (the account statement)"
    )
    include_portal_link: bool = True
    dated_on: date | None = Field(
        default=None,
        description="the day the act was decided, by the sender's clock: the "
        "letter is dated by it, as its penalties and deadline are; absent, the day it is "
        "written",
    )


class ReturnReason(StrEnum):
    ADDRESS_UNKNOWN = "address_unknown"  # n'habite pas à l'adresse indiquée
    REFUSED = "refused"
    NOT_COLLECTED = "not_collected"  # pli avisé et non réclamé
    PROVIDER_ERROR = "provider_error"
    ADDRESS_INVALID = "address_invalid"  # cannot be printed in the window as the norm says


class _LetterReport(Event):
    letter_id: str
    command_key: str
    kind: LetterKind
    customer_ref: str
    case_id: str | None = None
    step: str | None = None
    cost: Money | None = None


class LetterPosted(_LetterReport):
    routing_key: ClassVar[str] = "letters.letter.posted.v1"

    tracking_number: str | None = None


class LetterDelivered(_LetterReport):
    routing_key: ClassVar[str] = "letters.letter.delivered.v1"

    delivered_on: date | None = None


class LetterReturned(_LetterReport):
    routing_key: ClassVar[str] = "letters.letter.returned.v1"

    reason: ReturnReason
    detail: str = ""


class LetterFailed(_LetterReport):
    routing_key: ClassVar[str] = "letters.letter.failed.v1"

    reason: ReturnReason
    detail: str = ""
