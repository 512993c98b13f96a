"""Reading the read model for one customer: every query is bound to the session's customer."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from encaisse.contracts.common import Position
from encaisse.kit.money import at_precision
from encaisse.portal import db
from encaisse.portal.domain.access import PortalSession
from encaisse.portal.domain.statement import (
    PAYABLE,
    PENDING_WINDOW,
    Invoice,
    Notice,
    StatementCustomer,
)
from encaisse.portal.i18n import language_of


async def customer(session: AsyncSession, who: PortalSession) -> StatementCustomer:
    c = db.customers.c
    row = (
        await session.execute(
            select(c.name, c.email, c.language, c.timezone).where(
                c.tenant == who.tenant, c.customer_ref == who.customer_ref
            )
        )
    ).first()
    if row is None:  # the link came before the ledger's event: still show something sane
        return StatementCustomer(who.customer_ref, None, language_of(None), "Europe/Paris")
    return StatementCustomer(row.name, row.email, language_of(row.language), row.timezone)


def _invoice(row: Any) -> Invoice:
    return Invoice(
        row.invoice_number,
        row.issue_date,
        row.due_date,
        at_precision(row.amount, row.currency),
        at_precision(row.open_balance, row.currency),
        row.currency,
        row.status,
        bool(row.pdf_url),
    )


async def open_invoices(session: AsyncSession, who: PortalSession) -> list[Invoice]:
    i = db.invoices.c
    rows = await session.execute(
        select(db.invoices)
        .where(
            i.tenant == who.tenant,
            i.customer_ref == who.customer_ref,
            i.status.in_(PAYABLE),
            i.open_balance > 0,
        )
        .order_by(i.due_date, i.invoice_number)
    )
    return [_invoice(r) for r in rows]


async def invoice(
    session: AsyncSession, who: PortalSession, number: str
) -> tuple[Invoice, str | None] | None:
    """The customer's invoice and its PDF's address; None for an unknown one or another's."""
    i = db.invoices.c
    row = (
        await session.execute(
            select(db.invoices).where(
                i.tenant == who.tenant,
                i.customer_ref == who.customer_ref,
                i.invoice_number == number,
            )
        )
    ).first()
    return None if row is None else (_invoice(row), row.pdf_url)


async def payments_in_progress(
    session: AsyncSession, who: PortalSession, now: datetime
) -> set[str]:
    """Invoices paid in the portal lately, whose payment the ledger has not reported yet."""
    k = db.checkouts.c
    rows = await session.execute(
        select(k.allocations).where(
            k.tenant == who.tenant,
            k.customer_ref == who.customer_ref,
            k.status == "captured",
            k.completed_at > now - PENDING_WINDOW,
        )
    )
    return {a["invoice_number"] for (allocations,) in rows for a in allocations}


async def history(session: AsyncSession, who: PortalSession) -> list[Any]:
    h = db.history.c
    return list(
        await session.execute(
            select(h.kind, h.status, h.sent_at, h.updated_at)
            .where(h.tenant == who.tenant, h.customer_ref == who.customer_ref)
            .order_by(h.sent_at.desc())
            .limit(200)
        )
    )


async def payments(session: AsyncSession, who: PortalSession) -> list[Any]:
    p = db.payments.c
    return list(
        await session.execute(
            select(p.payment_ref, p.paid_on, p.amount, p.currency, p.status)
            .where(p.tenant == who.tenant, p.customer_ref == who.customer_ref)
            .order_by(p.paid_on.desc())
            .limit(100)
        )
    )


async def notices(session: AsyncSession, who: PortalSession) -> list[Notice]:
    """The customer's five newest notices, each with the position it was sent with."""
    n = db.notices.c
    rows = await session.execute(
        select(n.template, n.invoice_numbers, n.position, n.created_at)
        .where(n.tenant == who.tenant, n.customer_ref == who.customer_ref)
        .order_by(n.created_at.desc())
        .limit(5)
    )
    return [
        Notice(
            r.template,
            tuple(r.invoice_numbers),
            r.created_at,
            Position.model_validate(r.position) if r.position is not None else None,
        )
        for r in rows
    ]
