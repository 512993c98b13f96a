"""Bus handlers that keep the portal's read model, plus the notices it shows.

Each row keeps the version of the event that wrote it: an upsert only applies
when the incoming version is newer, so duplicates and late, older events
change nothing (the inbox already drops exact duplicates).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects.postgresql import insert

from encaisse.bus.consumer import Handlers
from encaisse.bus.uow import UnitOfWork
from encaisse.contracts import Envelope
from encaisse.contracts import ledger as L
from encaisse.contracts import letters as P
from encaisse.contracts import notifier as N
from encaisse.contracts.portal import PostNotice
from encaisse.portal import db


async def _upsert(
    uow: UnitOfWork, table: Table, keys: tuple[str, ...], row: dict[str, Any]
) -> None:
    stmt = insert(table).values(**row)
    changed = {k: stmt.excluded[k] for k in row if k not in keys}
    await uow.session.execute(
        stmt.on_conflict_do_update(
            index_elements=list(keys),
            set_=changed,
            where=table.c.version < stmt.excluded.version,
        )
    )


async def customer_upserted(env: Envelope[L.CustomerUpserted], uow: UnitOfWork) -> None:
    c = env.payload
    await _upsert(
        uow,
        db.customers,
        ("tenant", "customer_ref"),
        {
            "tenant": c.tenant,
            "customer_ref": c.customer_ref,
            "name": c.name,
            "email": c.email,
            "language": c.language,
            "timezone": c.timezone,
            "country": c.country,
            "version": c.version,
        },
    )


async def invoice_changed(env: Envelope[L.InvoiceState], uow: UnitOfWork) -> None:
    i = env.payload
    await _upsert(
        uow,
        db.invoices,
        ("tenant", "invoice_number"),
        {
            "tenant": i.tenant,
            "invoice_number": i.invoice_number,
            "customer_ref": i.customer_ref,
            "issue_date": i.issue_date,
            "due_date": i.due_date,
            "amount": i.amount.amount,
            "open_balance": i.open_balance.amount,
            "currency": i.amount.currency,
            "status": i.status.value,
            "pdf_url": i.pdf_url,
            "version": i.version,
        },
    )


async def payment_received(env: Envelope[L.PaymentReceived], uow: UnitOfWork) -> None:
    p = env.payload
    await _upsert(
        uow,
        db.payments,
        ("tenant", "payment_ref"),
        {
            "tenant": p.tenant,
            "payment_ref": p.payment_ref,
            "customer_ref": p.customer_ref,
            "paid_on": p.paid_on,
            "amount": p.amount.amount,
            "currency": p.amount.currency,
            "method": p.method.value,
            "status": "received",
            "version": p.version,
        },
    )


async def payment_rejected(env: Envelope[L.PaymentRejected], uow: UnitOfWork) -> None:
    p = env.payload
    await uow.session.execute(
        db.payments.update()
        .where(
            db.payments.c.tenant == p.tenant,
            db.payments.c.payment_ref == p.payment_ref,
            db.payments.c.version < p.version,
        )
        .values(status="rejected", version=p.version)
    )


def _report_row(env: Envelope[Any], kind: str, status: str, detail: str) -> dict[str, Any]:
    r = env.payload
    return {
        "tenant": r.tenant,
        "item_id": getattr(r, "message_id", None) or r.letter_id,
        "customer_ref": r.customer_ref,
        "kind": kind,
        "status": status,
        "detail": detail[:200],
        "sent_at": env.time,
        "updated_at": env.time,
        "version": r.version,
    }


async def _report(
    env: Envelope[Any], uow: UnitOfWork, kind: str, status: str, detail: str = ""
) -> None:
    row = _report_row(env, kind, status, detail)
    stmt = insert(db.history).values(**row)
    await uow.session.execute(
        stmt.on_conflict_do_update(
            index_elements=["tenant", "item_id"],
            # the first report's time is when it was sent; later ones only move the status
            set_={
                "status": stmt.excluded.status,
                "detail": stmt.excluded.detail,
                "updated_at": stmt.excluded.updated_at,
                "version": stmt.excluded.version,
            },
            where=db.history.c.version < stmt.excluded.version,
        )
    )


def _message(status: str):
    async def handle(env: Envelope[Any], uow: UnitOfWork) -> None:
        await _report(
            env, uow, env.payload.channel.value, status, getattr(env.payload, "reason", "") or ""
        )

    return handle


def _letter(status: str):
    async def handle(env: Envelope[Any], uow: UnitOfWork) -> None:
        kind = "registered" if env.payload.kind == P.LetterKind.REGISTERED else "letter"
        await _report(env, uow, kind, status, getattr(env.payload, "reason", "") or "")

    return handle


async def notice_posted(env: Envelope[PostNotice], uow: UnitOfWork) -> None:
    n = env.payload
    await uow.session.execute(
        insert(db.notices)
        .values(
            tenant=n.tenant,
            idempotency_key=n.idempotency_key,
            customer_ref=n.debtor.customer_ref,
            template=n.template,
            invoice_numbers=[i.invoice_number for i in n.invoices],
        )
        .on_conflict_do_nothing()
    )


HANDLERS: Handlers = {
    L.CustomerUpserted: customer_upserted,
    L.InvoiceIssued: invoice_changed,
    L.InvoiceUpdated: invoice_changed,
    L.InvoiceSettled: invoice_changed,
    L.InvoiceCancelled: invoice_changed,
    L.InvoiceWrittenOff: invoice_changed,
    L.PaymentReceived: payment_received,
    L.PaymentRejected: payment_rejected,
    N.MessageSent: _message("sent"),
    N.MessageUncertain: _message("sent"),  # most likely sent: the debtor sees it was meant
    N.MessageDelivered: _message("delivered"),
    N.MessageFailed: _message("failed"),
    P.LetterPosted: _letter("posted"),
    P.LetterDelivered: _letter("delivered"),
    P.LetterReturned: _letter("returned"),
    P.LetterFailed: _letter("failed"),
    PostNotice: notice_posted,
}
