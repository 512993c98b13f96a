"""Parsing delivery status notifications (RFC 3464): no I/O."""

from encaisse.contracts.notifier import FailureReason
from encaisse.notifier.domain.bounces import delivery_status_notification, parse_dsn


def dsn(
    message_id: str,
    status: str = "5.1.1",
    action: str = "failed",
    diagnostic: str = "smtp; 550 5.1.1 <gone@client.example>: User unknown",
) -> bytes:
    return delivery_status_notification(
        message_id, "gone@client.example", status=status, action=action, diagnostic=diagnostic
    )


def test_a_user_unknown_bounce_is_an_invalid_address():
    (bounce,) = parse_dsn(dsn("<abc@encaisse.localhost>"))
    assert bounce.original_message_id == "<abc@encaisse.localhost>"
    assert bounce.recipient == "gone@client.example" and bounce.status == "5.1.1"
    assert bounce.reason == FailureReason.INVALID_ADDRESS


def test_a_full_mailbox_is_a_bounce():
    (bounce,) = parse_dsn(dsn("<abc@x>", status="5.2.2", diagnostic="smtp; 552 mailbox full"))
    assert bounce.reason == FailureReason.BOUNCED


def test_a_delay_notice_or_an_ordinary_email_is_no_bounce():
    assert parse_dsn(dsn("<abc@x>", status="4.4.7", action="delayed")) == []
    assert parse_dsn(b"From: a@b.c\r\nSubject: out of office\r\n\r\nBack on Monday.\r\n") == []


# A bounce as Postfix writes it: the original message attached whole, one recipient
# failed (its address rewritten by an alias), one only delayed, folded headers.
POSTFIX = b"""Return-Path: <>
From: MAILER-DAEMON@mx.client.example (Mail Delivery System)
Subject: Undelivered Mail Returned to Sender
To: credit@acme.example
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status;
\tboundary="4B2C81A0E3.1771581600/mx.client.example"
Message-Id: <20260220100000.4B2C81A0E3@mx.client.example>

This is a MIME-encapsulated message.

--4B2C81A0E3.1771581600/mx.client.example
Content-Description: Notification
Content-Type: text/plain; charset=us-ascii

This is the mail system at host mx.client.example.

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients.

<compta@client.example> (expanded from <AP@client.example>): host
    store.client.example[10.0.0.5] said: 550 5.1.1 <compta@client.example>:
    Recipient address rejected: User unknown in local recipient table

--4B2C81A0E3.1771581600/mx.client.example
Content-Description: Delivery report
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.client.example
X-Postfix-Queue-ID: 4B2C81A0E3
Arrival-Date: Fri, 20 Feb 2026 10:59:58 +0100 (CET)

Final-Recipient: rfc822; compta@client.example
Original-Recipient: rfc822;AP@client.example
Action: failed
Status: 5.1.1
Remote-MTA: dns; store.client.example
Diagnostic-Code: smtp; 550 5.1.1 <compta@client.example>: Recipient address
    rejected: User unknown in local recipient table

Final-Recipient: rfc822; slow@client.example
Action: delayed
Status: 4.4.1
Diagnostic-Code: X-Postfix; connect to store.client.example: Connection timed out

--4B2C81A0E3.1771581600/mx.client.example
Content-Description: Undelivered Message
Content-Type: message/rfc822

From: ACME Credit <credit@acme.example>
To: AP@client.example, slow@client.example
Subject: Relance : factures =?utf-8?q?=C3=A9chues?=
Message-ID: <0f1e2d3c@encaisse.localhost>
MIME-Version: 1.0
Content-Type: text/plain; charset="utf-8"

Madame, Monsieur,

--4B2C81A0E3.1771581600/mx.client.example--
""".replace(b"\n", b"\r\n")


def test_a_postfix_bounce_names_the_address_we_sent_to_and_skips_delays():
    (bounce,) = parse_dsn(POSTFIX)
    assert bounce.original_message_id == "<0f1e2d3c@encaisse.localhost>"
    assert bounce.recipient == "ap@client.example" and bounce.status == "5.1.1"
    assert "Recipient address rejected: User unknown" in bounce.diagnostic
    assert bounce.reason == FailureReason.INVALID_ADDRESS


def test_only_a_bounce_from_a_to_address_fails_the_message():
    (bounce,) = parse_dsn(dsn("<abc@x>"))  # gone@client.example
    assert bounce.fails_message(["gone@client.example"], [])
    assert bounce.fails_message(["someone@else.example"], [])  # rewritten on the way: counts
    assert not bounce.fails_message(["ap@client.example"], ["Gone@client.example"])
    assert bounce.fails_message(["gone@client.example"], ["gone@client.example"])
