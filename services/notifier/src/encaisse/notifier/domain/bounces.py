"""Bounces that arrive later: RFC 3464 delivery status notifications, read (pure).

Each DSN names our message by its original Message-ID, derived from the command's key,
and the recipient that failed; ``Bounce.reason`` is the same ``FailureReason`` as a
refusal at send time (``bounced``, or ``invalid_address`` for a 5.1.x status). Reading
the bounce mailbox is ``encaisse.notifier.bounces``; applying one is
``encaisse.notifier.usecases.reports``.
"""

from __future__ import annotations

from dataclasses import dataclass
from email import message_from_bytes, message_from_string, policy
from email.message import Message
from typing import Any

from encaisse.contracts.notifier import FailureReason
from encaisse.notifier.domain.outcomes import dsn_status


@dataclass(frozen=True)
class Bounce:
    original_message_id: str
    recipient: str  # the address we sent to: Original-Recipient, else Final-Recipient
    status: str
    diagnostic: str

    @property
    def reason(self) -> FailureReason:
        return dsn_status(self.status, self.diagnostic)

    def fails_message(self, to: list[str], cc: list[str]) -> bool:
        """A bounce from a copy (the sales rep in Cc) does not mean the debtor missed it."""
        copies = {a.lower() for a in cc} - {a.lower() for a in to}
        return self.recipient not in copies


def _original_message_id(report: Message) -> str | None:
    for part in report.walk():
        ctype = part.get_content_type()
        # the standard library types payloads loosely: each kind is known by its content type
        payload: Any = (
            part.get_payload(decode=True)
            if ctype == "text/rfc822-headers"
            else (part.get_payload())
        )
        if ctype == "text/rfc822-headers":
            headers = message_from_string(payload.decode(errors="replace"))
            return headers.get("Message-ID")
        if ctype == "message/rfc822":
            original = payload[0] if isinstance(payload, list) else payload
            found: str | None = original.get("Message-ID")
            return found
    return None


def _field(block: Message, name: str) -> str:
    value = " ".join(str(block.get(name, "")).split())  # unfolded
    return value.split(";", 1)[1].strip() if ";" in value else value.strip()


def _address(block: Message) -> str:
    address = _field(block, "Original-Recipient") or _field(block, "Final-Recipient")
    return address.strip("<>").lower()


def parse_dsn(raw: bytes) -> list[Bounce]:
    """The failed recipients of a DSN; [] for anything else (an auto-reply, a delay notice)."""
    report = message_from_bytes(raw, policy=policy.compat32)
    if (
        report.get_content_type() != "multipart/report"
        or str(report.get_param("report-type") or "").lower() != "delivery-status"
    ):
        return []
    original = _original_message_id(report)
    if not original:
        return []
    bounces = []
    for part in report.walk():
        if part.get_content_type() != "message/delivery-status":
            continue
        blocks: Any = part.get_payload()
        for block in blocks[1:]:  # the first block is about the message
            if _field(block, "Action").lower() != "failed":
                continue
            bounces.append(
                Bounce(
                    original.strip(),
                    _address(block),
                    _field(block, "Status").split(" ")[0],
                    _field(block, "Diagnostic-Code"),
                )
            )
    return bounces


def delivery_status_notification(
    original_message_id: str,
    recipient: str,
    *,
    status: str = "5.1.1",
    action: str = "failed",
    diagnostic: str = "smtp; 550 5.1.1 User unknown",
    reporting_mta: str = "mx.encaisse.localhost",
) -> bytes:
    """A DSN as an MTA writes it: the development SMTP server's simulated bounces, and tests."""
    lines = [
        f"From: MAILER-DAEMON@{reporting_mta}",
        "Subject: Undelivered Mail Returned to Sender",
        "MIME-Version: 1.0",
        'Content-Type: multipart/report; report-type=delivery-status; boundary="DSN"',
        "",
        "--DSN",
        "Content-Type: text/plain",
        "",
        "This is the mail system. Your message could not be delivered.",
        "",
        "--DSN",
        "Content-Type: message/delivery-status",
        "",
        f"Reporting-MTA: dns; {reporting_mta}",
        "",
        f"Final-Recipient: rfc822; {recipient}",
        f"Action: {action}",
        f"Status: {status}",
        f"Diagnostic-Code: {diagnostic}",
        "",
        "--DSN",
        "Content-Type: text/rfc822-headers",
        "",
        f"To: {recipient}",
        f"Message-ID: {original_message_id}",
        "",
        "--DSN--",
        "",
    ]
    return "\r\n".join(lines).encode()
