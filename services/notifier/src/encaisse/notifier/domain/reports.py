"""A provider's delivery report, and what it means for the message it names (pure)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

from encaisse.contracts.notifier import FailureReason


class ProviderReport(BaseModel):
    """One report: the message by our ``message_id``, the email's ``header_message_id`` or
    the provider's ``provider_ref``; a ``status`` and an optional ``reason``."""

    message_id: str | None = None
    header_message_id: str | None = None
    provider_ref: str | None = None
    status: Literal["delivered", "bounced", "rejected", "failed"]
    reason: FailureReason | None = None
    detail: str = ""


def failure_of(report: ProviderReport) -> FailureReason | None:
    """The reason a report fails its message; None: it was delivered. A bounce is
    ``invalid_address`` when the provider says so, else ``bounced``; a rejection or a
    failure is the reason given, else ``rejected``."""
    if report.status == "delivered":
        return None
    if report.status == "bounced":
        if report.reason == FailureReason.INVALID_ADDRESS:
            return FailureReason.INVALID_ADDRESS
        return FailureReason.BOUNCED
    return report.reason or FailureReason.REJECTED


# after a message left, a report can still fail it: a bounce may follow a delivery report
REPORTABLE = ("sending", "sent", "delivered")
