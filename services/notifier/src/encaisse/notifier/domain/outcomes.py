"""What a provider's answer means for a message: pure rules, no I/O.

- a 5xx naming an unknown or malformed recipient (550/551/553, or 5.1.x
  status, or "user unknown") is ``invalid_address``;
- any other 5xx is ``rejected``;
- a 4xx or a connection trouble is transient: retried after growing delays,
  then ``provider_error`` once the delays are used up;
- a bounce (a delivery status notification received later) is ``bounced``,
  or ``invalid_address`` when its status is 5.1.x.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

from encaisse.contracts.notifier import FailureReason

_EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
_E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
_UNKNOWN_USER = re.compile(
    r"user unknown|unknown user|no such user|mailbox unavailable|"
    r"does not exist|recipient rejected|invalid recipient",
    re.I,
)


def valid_email(address: str) -> bool:
    return len(address) <= 254 and bool(_EMAIL.match(address))


def valid_phone(number: str) -> bool:
    return bool(_E164.match(number))


@dataclass(frozen=True)
class Failure:
    """A failed try: ``reason`` set when final, ``None`` when it may succeed later."""

    reason: FailureReason | None
    detail: str

    @property
    def transient(self) -> bool:
        return self.reason is None


def smtp_reply(code: int, message: str, *, at_recipient: bool) -> Failure:
    """Classify an SMTP reply; ``at_recipient``: the answer to RCPT TO (else MAIL or DATA).

    A 550/551/553 to RCPT is an address problem unless its enhanced status says
    policy or content (5.7.x, 5.6.x...); at DATA it is a rejection of the message.
    """
    detail = f"{code} {message}".strip()
    if 400 <= code < 500:
        return Failure(None, detail)
    enhanced = re.search(r"\b5\.([0-9])\.[0-9]{1,3}\b", message)
    if (enhanced and enhanced.group(1) == "1") or _UNKNOWN_USER.search(message):
        return Failure(FailureReason.INVALID_ADDRESS, detail)
    if at_recipient and code in (550, 551, 553) and not enhanced:
        return Failure(FailureReason.INVALID_ADDRESS, detail)
    return Failure(FailureReason.REJECTED, detail)


def dsn_status(status: str, diagnostic: str = "") -> FailureReason:
    """A bounce's RFC 3464 ``Status`` (5.1.1 ...) to the reason reported."""
    if status.startswith("5.1.") or _UNKNOWN_USER.search(diagnostic):
        return FailureReason.INVALID_ADDRESS
    return FailureReason.BOUNCED


def next_delay(attempt: int, delays_ms: tuple[int, ...]) -> timedelta | None:
    """Wait before try ``attempt + 1`` after ``attempt`` tries failed; None: give up."""
    if attempt > len(delays_ms):
        return None
    return timedelta(milliseconds=delays_ms[attempt - 1])
