from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from encaisse.contracts import Envelope, InvalidEnvelope, Money, decode, encode
from encaisse.contracts.ledger import InvoiceIssued, InvoiceStatus


def _invoice(**overrides):
    fields = dict(
        tenant="ACME",
        version=1,
        invoice_number="F-1",
        customer_ref="C-1",
        issue_date=date(2026, 1, 1),
        due_date=date(2026, 1, 31),
        amount=Money(amount=Decimal("1200.10"), currency="EUR"),
        open_balance=Money(amount=Decimal("1200.10"), currency="EUR"),
        status=InvoiceStatus.OPEN,
    )
    fields.update(overrides)
    return InvoiceIssued(**fields)


def test_binary_mode_round_trip_keeps_decimals_and_extensions():
    envelope = Envelope(
        payload=_invoice(),
        subject="F-1",
        causation_id="c-0",
        time=datetime(2026, 2, 1, 8, 30, tzinfo=UTC),
    )
    wire = encode(envelope)
    assert wire.headers["ce-type"] == "encaisse.ledger.invoice.issued.v1"
    assert wire.headers["ce-source"] == "/encaisse/ledger"
    assert wire.headers["ce-specversion"] == "1.0"
    assert wire.headers["ce-tenant"] == "ACME"
    assert wire.headers["ce-subject"] == "F-1"
    assert wire.headers["ce-correlationid"] == envelope.id
    assert wire.headers["ce-causationid"] == "c-0"
    assert b'"1200.10"' in wire.body  # money travels as a string, never a float
    back = decode(wire.headers, wire.content_type, wire.body)
    assert back.payload == envelope.payload
    assert back.id == envelope.id and back.time == envelope.time
    assert back.payload.amount.amount == Decimal("1200.10")


def test_follow_up_keeps_the_correlation():
    first = Envelope(payload=_invoice(), subject="F-1")
    second = first.caused(_invoice(version=2), "F-1")
    assert second.correlation_id == first.id and second.causation_id == first.id


@pytest.mark.parametrize(
    ("headers", "body", "fragment"),
    [
        ({}, b"{}", "ce-type header is missing"),
        (
            {
                "ce-type": "encaisse.nope.v1",
                "ce-id": "1",
                "ce-source": "/x",
                "ce-specversion": "1.0",
            },
            b"{}",
            "unknown message type",
        ),
        (
            {
                "ce-type": "encaisse.ledger.invoice.issued.v1",
                "ce-id": "1",
                "ce-source": "/x",
                "ce-specversion": "1.0",
            },
            b"not json",
            "not a JSON object",
        ),
        (
            {
                "ce-type": "encaisse.ledger.invoice.issued.v1",
                "ce-id": "1",
                "ce-source": "/x",
                "ce-specversion": "1.0",
            },
            b'{"tenant": "ACME"}',
            "invoice_number",
        ),
    ],
)
def test_bad_messages_are_refused_with_the_reason(headers, body, fragment):
    with pytest.raises(InvalidEnvelope, match=fragment):
        decode(headers, "application/json", body)


def test_tenant_header_must_match_payload():
    wire = encode(Envelope(payload=_invoice(), subject="F-1"))
    headers = dict(wire.headers, **{"ce-tenant": "OTHER"})
    with pytest.raises(InvalidEnvelope, match="tenant"):
        decode(headers, wire.content_type, wire.body)


def test_naive_time_is_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        Envelope(payload=_invoice(), subject="F-1", time=datetime(2026, 1, 1))
