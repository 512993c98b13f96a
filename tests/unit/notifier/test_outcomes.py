"""What SMTP replies and bounces mean: no I/O."""

from datetime import timedelta

import pytest

from encaisse.contracts.notifier import FailureReason
from encaisse.notifier.domain.outcomes import (
    dsn_status,
    next_delay,
    smtp_reply,
    valid_email,
    valid_phone,
)
from encaisse.notifier.mail import header_message_id
from encaisse.notifier.settings import NotifierSettings


@pytest.mark.parametrize(
    ("code", "text", "at_rcpt", "reason"),
    [
        (550, "5.1.1 User unknown", True, FailureReason.INVALID_ADDRESS),
        (550, "No such user here", False, FailureReason.INVALID_ADDRESS),
        (550, "Mailbox unavailable", True, FailureReason.INVALID_ADDRESS),
        (553, "bad address syntax", True, FailureReason.INVALID_ADDRESS),
        (550, "5.7.1 Relaying denied", True, FailureReason.REJECTED),
        (554, "5.6.0 Message content rejected", False, FailureReason.REJECTED),
        (552, "Message size exceeds limit", False, FailureReason.REJECTED),
    ],
)
def test_permanent_replies(code, text, at_rcpt, reason):
    failure = smtp_reply(code, text, at_recipient=at_rcpt)
    assert failure.reason == reason and not failure.transient


@pytest.mark.parametrize("code", [421, 450, 451, 452])
def test_4xx_replies_are_transient(code):
    assert smtp_reply(code, "try later", at_recipient=True).transient


def test_dsn_status():
    assert dsn_status("5.1.1") == FailureReason.INVALID_ADDRESS
    assert dsn_status("5.2.2", "mailbox full") == FailureReason.BOUNCED
    assert dsn_status("5.0.0", "550 user unknown") == FailureReason.INVALID_ADDRESS


def test_delays_grow_then_run_out():
    delays = (200, 400)
    assert next_delay(1, delays) == timedelta(milliseconds=200)
    assert next_delay(2, delays) == timedelta(milliseconds=400)
    assert next_delay(3, delays) is None


def test_the_default_delays_grow():
    delays = NotifierSettings().send_retry_delays_ms
    assert len(delays) >= 3 and all(a < b for a, b in zip(delays, delays[1:], strict=False))
    lease = NotifierSettings().send_lease_seconds
    assert lease > 2 * NotifierSettings().smtp_timeout_seconds, "a lease outlasts one send"


def test_address_syntax():
    assert valid_email("a.b+c@client.example")
    assert not valid_email("no-at-sign") and not valid_email("a@b") and not valid_email("a b@c.d")
    assert valid_phone("+33612345678") and not valid_phone("0612345678")


def test_message_id_is_stable_per_command_and_differs_between_commands():
    first = header_message_id("ACME", "key-1", "mail.example")
    assert first == header_message_id("ACME", "key-1", "mail.example")
    assert first != header_message_id("ACME", "key-2", "mail.example")
    assert first != header_message_id("OTHER", "key-1", "mail.example")
    assert first.startswith("<") and first.endswith("@mail.example>")
