"""Parsing delivery status notifications (RFC 3464): no I/O."""

from encaisse.contracts.notifier import FailureReason
from encaisse.notifier.bounces import delivery_status_notification, parse_dsn


def dsn(message_id: str, status: str = "5.1.1", action: str = "failed",
        diagnostic: str = "smtp; 550 5.1.1 <gone@client.example>: User unknown") -> bytes:
    return delivery_status_notification(message_id, "gone@client.example", status=status,
                                        action=action, diagnostic=diagnostic)


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
