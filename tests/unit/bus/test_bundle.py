"""Bundles: many outbox messages in one row give back what one row each would have."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from encaisse.bus.bundle import BUNDLE, bundle, is_bundle, unbundle
from encaisse.bus.publisher import Outgoing
from encaisse.contracts import Envelope, decode
from encaisse.contracts.ledger import InvoiceIssued

NOW = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)


def _issued(number: str, **envelope) -> Envelope:
    money = {"amount": Decimal("1250.50"), "currency": "EUR"}
    payload = InvoiceIssued(
        tenant="ACME",
        version=1,
        invoice_number=number,
        customer_ref="C1",
        issue_date=date(2026, 11, 1),
        due_date=date(2026, 12, 1),
        amount=money,
        open_balance=money,
        status="open",
        pdf_url='https://docs.example/a\tb "c".pdf',
    )
    return Envelope(payload=payload, subject=number, time=NOW, **envelope)


def _row_back(row) -> list[Outgoing]:
    assert is_bundle(row["headers"]) and row["headers"][BUNDLE] == 3
    return unbundle(row["exchange"], row["headers"], row["body"])


@pytest.mark.parametrize("correlation", [None, "import-42"])
def test_a_bundle_gives_back_each_message_as_published_alone(correlation):
    envelopes = [_issued(n, correlation_id=correlation) for n in ("F-1", 'F "2"', "F-3\u00e9")]
    back = _row_back(bundle(envelopes))
    assert back == [Outgoing.from_envelope(e) for e in envelopes]
    decoded = [decode(dict(o.headers), o.content_type, o.body) for o in back]
    assert [d.payload for d in decoded] == [e.payload for e in envelopes]
    assert [d.correlation_id for d in decoded] == [correlation or e.id for e in envelopes]


def test_messages_that_do_not_share_the_headers_are_refused():
    later = _issued("F-2")
    later = Envelope(payload=later.payload, subject="F-2", time=datetime(2026, 12, 2, tzinfo=UTC))
    with pytest.raises(ValueError, match=later.id):
        bundle([_issued("F-1"), later])
