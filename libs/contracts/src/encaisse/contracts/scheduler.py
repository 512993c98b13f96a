"""Events the scheduler publishes about dunning cases and collector tasks.

A dunning case is one per customer with overdue or soon-due invoices; its
``version`` grows by one per change, so consumers can ignore stale events.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import ClassVar

from pydantic import Field

from encaisse.contracts.base import Event, Money


class _CaseEvent(Event):
    case_id: str
    customer_ref: str


class CaseOpened(_CaseEvent):
    """A customer got its first open invoice to follow: a dunning case starts."""

    routing_key: ClassVar[str] = "scheduler.case.opened.v1"

    profile: str = Field(description="profile code, such as standard or key_account")
    opened_at: datetime


class PauseReason(StrEnum):
    DISPUTE = "dispute"
    PROMISE = "promise"


class CasePaused(_CaseEvent):
    """Client-facing steps of these invoices wait (a dispute, or a promise to pay)."""

    routing_key: ClassVar[str] = "scheduler.case.paused.v1"

    reason: PauseReason
    invoice_numbers: tuple[str, ...]
    until: date | None = Field(
        default=None, description="end of a promise's grace; none for a dispute"
    )


class CaseResumed(_CaseEvent):
    """The paused invoices follow their scenario again (dispute resolved, promise broken)."""

    routing_key: ClassVar[str] = "scheduler.case.resumed.v1"

    reason: str = Field(description="dispute_resolved or promise_broken")
    invoice_numbers: tuple[str, ...]


class CaseEscalated(_CaseEvent):
    """The amicable phase is over for these invoices: handed to litigation."""

    routing_key: ClassVar[str] = "scheduler.case.escalated.v1"

    invoice_numbers: tuple[str, ...]
    amount_at_stake: Money


class CaseClosed(_CaseEvent):
    """No invoice of the customer needs following any more (paid, cancelled, written off)."""

    routing_key: ClassVar[str] = "scheduler.case.closed.v1"

    closed_at: datetime


class TaskKind(StrEnum):
    CALL = "call"
    MANUAL = "manual"
    ESCALATION = "escalation"
    DISPUTE = "dispute"
    COMPLETE_RECORD = "complete_record"
    FIX_CONTACT = "fix_contact"
    CHECK_DELIVERY = "check_delivery"  # an email that may not have left (MessageUncertain)
    COLLECT_EMAIL = "collect_email"  # a customer without an email: ask for one on a call


class TaskCreated(Event):
    """Someone has work to do: a call, a manual step, an escalation, a contact to fix."""

    routing_key: ClassVar[str] = "scheduler.task.created.v1"

    task_id: str
    case_id: str | None = None
    customer_ref: str
    kind: TaskKind
    due_on: date
    assignee: str | None = Field(default=None, description="sales rep or owner, when known")
    invoice_numbers: tuple[str, ...] = ()
    amount_at_stake: Money | None = None
    note: str = ""
