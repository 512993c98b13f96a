"""One source for the invoice event payload: the three writers give the same bytes.

The same invoices, with awkward values (quotes, backslashes, control characters, unicode
beyond the BMP, ``%``, amounts of KWD, JPY and EUR, no document), go through the bulk path
for new invoices (its JSON built in Python, one bundle row) and through the set-based
statement (its JSON built by PostgreSQL), each in a transaction rolled back after; every
outbox body is compared byte for byte with the contract's model built from the stored row
(``domain.events.invoice_event``) and from the values themselves.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from encaisse.bus.bundle import is_bundle, unbundle
from encaisse.bus.uow import UnitOfWork
from encaisse.contracts import Money
from encaisse.contracts.ledger import InvoiceIssued, InvoiceUpdated
from encaisse.kit.db import make_engine, make_sessions
from encaisse.ledger import db
from encaisse.ledger.domain.events import invoice_event
from encaisse.ledger.models import CustomerIn
from encaisse.ledger.repository.invoice_batch import apply_invoices
from encaisse.ledger.usecases.customers import upsert_customer
from support.services import migrate

NOW = datetime(2026, 3, 1, 8, 30, 15, 123456, tzinfo=UTC)
TENANT = 'T"é\\%s😀'
CUSTOMERS = ("C-1", 'C"quoted"', "C\\back", "Cé-日本-😀", "C%s%%", "C\x01\x7f\u2028")
# (number, customer, issued, due, amount as written, currency, pdf_url)
INVOICES = [
    ("F-1", "C-1", "2026-01-05", "2026-02-04", "1250.00", "EUR", None),
    ("F-2", "C-1", "2026-01-05", "2026-02-04", "1234.5", "KWD", "https://docs.example/F-2.pdf"),
    ("F-3", 'C"quoted"', "2026-01-05", "2026-01-05", "1250", "JPY", None),
    ('F"4"', "C\\back", "1999-12-31", "2000-01-01", "0.01", "EUR", 'https://d.example/a"b\\c.pdf'),
    ("F\\5", "Cé-日本-😀", "2028-02-29", "2028-03-31", "9999999999999999.99", "EUR", None),
    ("Fé-6-😀", "C%s%%", "2026-06-30", "2026-07-30", "007.50", "EUR", "https://d.example/é/ü.pdf"),
    (
        "F%s-7%%",
        "C\x01\x7f\u2028",
        "2026-01-05",
        "2026-02-04",
        "0.5",
        "JPY",
        "http://d.example/%41",
    ),
    (
        "F\x01\x1f-8\u2028",
        "C-1",
        "2026-01-05",
        "2026-02-04",
        "100",
        "KWD",
        "https://d.example/?q=<&>",
    ),
]


def _model(number: str, customer: str, issued: str, due: str, amount: str, currency: str, url):
    money = Money(amount=Decimal(amount).quantize(Decimal("0.01")), currency=currency)
    return InvoiceIssued(
        tenant=TENANT,
        version=1,
        invoice_number=number,
        customer_ref=customer,
        issue_date=date.fromisoformat(issued),
        due_date=date.fromisoformat(due),
        amount=money,
        open_balance=money,
        status="open",
        pdf_url=url,
    )


@pytest.fixture
async def sessions(database_url):
    await migrate("ledger", database_url)
    engine = make_engine(database_url, pool_size=1)
    yield make_sessions(engine)
    await engine.dispose()


async def _outbox(session, since: int) -> list[tuple[str, str, bytes]]:
    """(routing key, subject, body) of every message of the tenant after row ``since``."""
    rows = (
        await session.execute(
            select(db.outbox)
            .where(db.outbox.c.id > since, db.outbox.c.headers["ce-tenant"].astext == TENANT)
            .order_by(db.outbox.c.id)
        )
    ).all()
    messages = []
    for row in rows:
        if is_bundle(row.headers):
            for out in unbundle(row.exchange, row.headers, row.body):
                messages.append((out.routing_key, out.headers["ce-subject"], out.body))
        else:
            messages.append((row.routing_key, row.headers["ce-subject"], row.body))
    return messages


async def _import(sessions, *, expect_new: bool) -> tuple[dict[str, bytes], dict[str, Any]]:
    """The bodies the chunk's events got, by invoice, and the stored rows; rolled back."""
    async with sessions() as session:
        await session.begin()
        try:
            uow = UnitOfWork(session, db.outbox, now=lambda: datetime.now(UTC))
            for ref in CUSTOMERS:
                await upsert_customer(
                    uow, TENANT, ref, CustomerIn(name=f"name {ref}", segment="sme", country="FR")
                )
            since = await session.scalar(select(db.outbox.c.id).order_by(db.outbox.c.id.desc()))
            records = [(n, *invoice) for n, invoice in enumerate(INVOICES, start=2)]
            result = await apply_invoices(session, TENANT, records, NOW, expect_new=expect_new)
            assert (result.created, result.rejections) == (len(INVOICES), [])
            messages = await _outbox(session, since or 0)
            rows = {
                row["number"]: row
                for row in (
                    await session.execute(select(db.invoices).where(db.invoices.c.tenant == TENANT))
                ).mappings()
            }
            amended = await _amend(session, rows)
        finally:
            await session.rollback()
    assert all(key == "ledger.invoice.issued.v1" for key, _, _ in messages)
    return {subject: body for _, subject, body in messages}, {"rows": rows, "amended": amended}


async def _amend(session, rows) -> list[tuple[bytes, bytes]]:
    """Amend every invoice (due date, amount) through the statement: (its body, the model's)."""
    since = await session.scalar(select(db.outbox.c.id).order_by(db.outbox.c.id.desc()))
    records = [
        (n, number, customer, issued, "2028-12-31", "1.25", currency, url)
        for n, (number, customer, issued, _, _, currency, url) in enumerate(INVOICES, start=2)
    ]
    result = await apply_invoices(session, TENANT, records, NOW)
    assert (result.updated, result.rejections) == (len(INVOICES), [])
    after = {
        row["number"]: row
        for row in (
            await session.execute(select(db.invoices).where(db.invoices.c.tenant == TENANT))
        ).mappings()
    }
    pairs = []
    for key, subject, body in await _outbox(session, since):
        assert key == "ledger.invoice.updated.v1"
        model = invoice_event(
            InvoiceUpdated,
            after[subject],
            reason="amended",
            changed_fields=("due_date", "amount"),
            previous_due_date=rows[subject]["due_date"],
        )
        pairs.append((body, model.model_dump_json().encode()))
    return pairs


async def test_both_import_paths_write_the_contracts_bytes(sessions):
    fast, fast_state = await _import(sessions, expect_new=True)
    general, general_state = await _import(sessions, expect_new=False)
    assert set(fast) == set(general) == {invoice[0] for invoice in INVOICES}
    for invoice in INVOICES:
        number = invoice[0]
        expected = _model(*invoice).model_dump_json().encode()
        from_row = invoice_event(InvoiceIssued, general_state["rows"][number])
        assert from_row.model_dump_json().encode() == expected, number
        assert fast[number] == expected, number
        assert general[number] == expected, number
    for state in (fast_state, general_state):
        assert len(state["amended"]) == len(INVOICES)
        for body, expected in state["amended"]:
            assert body == expected
