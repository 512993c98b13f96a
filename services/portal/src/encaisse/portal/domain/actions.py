"""The rules of a debtor's acts besides paying: a dispute, a promise to pay, a plan."""

from __future__ import annotations

from datetime import date, timedelta

import filetype

from encaisse.portal.domain.refusals import Refused

ATTACHMENT_TYPES = ("application/pdf", "image/png", "image/jpeg", "image/gif", "image/webp")
MIN_INSTALMENTS, MAX_INSTALMENTS = 2, 24


def promise_date(text: str) -> date:
    """The date the debtor typed (ISO 8601)."""
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise Refused("promised_date", "bad_date", "a date such as 2030-01-31") from exc


def check_promise_date(promised: date, today: date, max_days: int) -> date:
    if promised < today:
        raise Refused("promised_date", "past_date", "the date must be today or later")
    if promised > today + timedelta(days=max_days):
        raise Refused(
            "promised_date", "too_late", f"the date must be within {max_days} days", days=max_days
        )
    return promised


def check_instalments(text: str) -> int:
    """The number of instalments the debtor typed, within the limits."""
    count = int(text) if text.strip().isdigit() else 0
    if not MIN_INSTALMENTS <= count <= MAX_INSTALMENTS:
        raise Refused(
            "instalments",
            "instalments",
            f"between {MIN_INSTALMENTS} and {MAX_INSTALMENTS} instalments",
            low=MIN_INSTALMENTS,
            high=MAX_INSTALMENTS,
        )
    return count


def dispute_message(text: str) -> str:
    """What is wrong, in the debtor's words: a dispute without one cannot be handled."""
    if not text.strip():
        raise Refused("message", "message_missing", "tell us what is wrong")
    return text.strip()


def attachment_type(content: bytes, max_bytes: int) -> str:
    """The attachment's type from its content (not its name or declared type)."""
    if len(content) > max_bytes:
        mb = max_bytes // (1024 * 1024)
        raise Refused("attachment", "too_big", f"the file is larger than {mb} MB", mb=mb)
    kind = filetype.guess(content)
    if kind is None or kind.mime not in ATTACHMENT_TYPES:
        raise Refused("attachment", "file_type", "the file must be a PDF or an image")
    return str(kind.mime)
