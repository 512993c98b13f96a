"""Keeping the read model from the ledger's, the notifier's and letters' events, and the
scheduler's notices (each row keeps the version of the event that wrote it)."""

from __future__ import annotations

from typing import Any

from encaisse.bus.uow import UnitOfWork
from encaisse.contracts import Envelope
from encaisse.contracts import ledger as L
from encaisse.contracts import letters as P
from encaisse.contracts.portal import PostNotice
from encaisse.portal.repository import readmodel as repository


async def customer_upserted(env: Envelope[L.CustomerUpserted], uow: UnitOfWork) -> None:
    c = env.payload
    await repository.save_customer(
        uow.session,
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
    await repository.save_invoice(
        uow.session,
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
    await repository.save_payment(
        uow.session,
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
    await repository.reject_payment(uow.session, p.tenant, p.payment_ref, p.version)


async def reported(env: Envelope[Any], uow: UnitOfWork, kind: str, status: str) -> None:
    """A message or letter of the customer's history, at its last status."""
    r = env.payload
    await repository.save_report(
        uow.session,
        {
            "tenant": r.tenant,
            "item_id": getattr(r, "message_id", None) or r.letter_id,
            "customer_ref": r.customer_ref,
            "kind": kind,
            "status": status,
            "detail": (getattr(r, "reason", "") or "")[:200],
            "sent_at": env.time,
            "updated_at": env.time,
            "version": r.version,
        },
    )


def letter_kind(kind: P.LetterKind) -> str:
    return "registered" if kind == P.LetterKind.REGISTERED else "letter"


async def notice_posted(env: Envelope[PostNotice], uow: UnitOfWork) -> None:
    n = env.payload
    await repository.save_notice(
        uow.session,
        n.tenant,
        n.idempotency_key,
        n.debtor.customer_ref,
        n.template,
        [i.invoice_number for i in n.invoices],
        n.position.model_dump(mode="json") if n.position else None,
    )
