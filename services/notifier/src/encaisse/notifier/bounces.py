"""Bounces that arrive later: RFC 3464 delivery status notifications in a bounce mailbox.

The mailbox is a maildir (``ENCAISSE_BOUNCE_MAILDIR``) that the MTA delivers
the Return-Path's mail to (or that fetchmail fills from IMAP). Each DSN is
matched to our message by the original Message-ID, which is derived from the
command's key, and turned into the same ``MessageFailed`` event as a refusal
at send time (``bounced``, or ``invalid_address`` for a 5.1.x status).
"""

from __future__ import annotations

import logging
import mailbox
from dataclasses import dataclass
from email import message_from_bytes, message_from_string, policy
from email.message import Message
from pathlib import Path
from typing import Any

from encaisse.contracts.notifier import FailureReason
from encaisse.notifier import repository as repo
from encaisse.notifier.outcomes import dsn_status

log = logging.getLogger(__name__)


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


async def process_maildir(directory: Path, engine: Any, outbox: Any) -> int:
    """Apply every DSN waiting in the maildir, then remove it; returns the bounces applied.

    Each file is applied in one transaction; a failure there leaves it for the next pass.
    """
    box = mailbox.Maildir(directory, create=True)
    applied = 0
    for key in list(box.keys()):
        with box.get_file(key) as f:
            bounces = parse_dsn(f.read())
        async with engine.begin() as conn:
            for bounce in bounces:
                row = await repo.find_by_reference(
                    conn, header_message_id=bounce.original_message_id
                )
                if row is None:
                    continue
                detail = f"{bounce.status} {bounce.diagnostic}".strip()
                if not bounce.fails_message(row.to_addresses, row.cc_addresses):
                    await repo.note(conn, row.id, f"copy to {bounce.recipient} bounced: {detail}")
                elif await repo.mark_failed(
                    conn,
                    row.id,
                    bounce.reason,
                    detail,
                    outbox=outbox,
                    statuses=("sending", "sent", "delivered"),
                ):
                    applied += 1
        box.remove(key)
        if not bounces:
            log.info("bounce mailbox: a message that is not a delivery failure was dropped")
    return applied
