"""Commands the notifier takes (email, SMS) and the delivery reports it publishes."""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar

from pydantic import Field

from encaisse.contracts.base import Command, Event
from encaisse.contracts.common import Debtor, InvoiceLine, PaymentLine, Position


class SendEmail(Command):
    """Send one email listing every invoice concerned (an account statement, not one per
    invoice)."""

    routing_key: ClassVar[str] = "notifier.send_email.v1"

    case_id: str | None = None
    step: str | None = Field(default=None, description="scenario step that asked for it")
    template: str = Field(
        description="courtesy_reminder, first_reminder, second_reminder, "
        "thank_you, direct_debit_rejected, dispute_acknowledged, "
        "promise_confirmed, portal_link, or a tenant's own"
    )
    debtor: Debtor
    to: tuple[str, ...] = Field(min_length=1)
    cc: tuple[str, ...] = ()
    invoices: tuple[InvoiceLine, ...] = ()
    attach_invoice_pdfs: bool = False
    include_portal_link: bool = True
    context: dict[str, str] = Field(
        default_factory=dict, description="extra template variables, such as promised_date"
    )
    position: Position | None = Field(
        default=None, description="the customer's whole position (the account statement)"
    )
    payments: tuple[PaymentLine, ...] = Field(
        default=(), description="the payments a thank-you acknowledges"
    )


class SendSms(Command):
    routing_key: ClassVar[str] = "notifier.send_sms.v1"

    case_id: str | None = None
    step: str | None = None
    template: str
    debtor: Debtor
    to: str = Field(description="E.164 phone number")
    invoices: tuple[InvoiceLine, ...] = ()
    include_portal_link: bool = True
    context: dict[str, str] = Field(default_factory=dict)
    position: Position | None = None


class Channel(StrEnum):
    EMAIL = "email"
    SMS = "sms"


class FailureReason(StrEnum):
    INVALID_ADDRESS = "invalid_address"
    REJECTED = "rejected"
    BOUNCED = "bounced"
    PROVIDER_ERROR = "provider_error"


class _MessageReport(Event):
    """A message's life: ``version`` 1 when sent, then one more per report."""

    message_id: str = Field(description="the notifier's id of the message")
    command_key: str = Field(description="idempotency key of the command that asked for it")
    channel: Channel
    customer_ref: str
    case_id: str | None = None
    step: str | None = None
    recipient: str


class MessageSent(_MessageReport):
    routing_key: ClassVar[str] = "notifier.message.sent.v1"


class MessageUncertain(_MessageReport):
    """The email may or may not have left: the sender stopped, or the connection broke,
    during the DATA exchange. It is not sent again (it could arrive twice); a person
    checks (the relay's logs, the debtor) and sends it again by hand if it did not."""

    routing_key: ClassVar[str] = "notifier.message.uncertain.v1"

    detail: str = ""


class MessageDelivered(_MessageReport):
    routing_key: ClassVar[str] = "notifier.message.delivered.v1"


class MessageFailed(_MessageReport):
    routing_key: ClassVar[str] = "notifier.message.failed.v1"

    reason: FailureReason
    detail: str = ""
