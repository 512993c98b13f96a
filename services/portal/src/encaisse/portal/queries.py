"""Reading the read model for one customer: every query is bound to the session's customer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from encaisse.kit.money import at_precision
from encaisse.portal import db
from encaisse.portal.access import DebtorSession
from encaisse.portal.domain import PAYABLE, Invoice
from encaisse.portal.i18n import language_of

# A captured payment shows as "in progress" until the ledger's event lands.
PENDING_WINDOW = timedelta(days=7)


@dataclass(frozen=True)
class Customer:
    name: str
    email: str | None
    language: str
    timezone: str


async def customer(s: AsyncSession, who: DebtorSession) -> Customer:
    c = db.customers.c
    row = (
        await s.execute(
            select(c.name, c.email, c.language, c.timezone).where(
                c.tenant == who.tenant, c.customer_ref == who.customer_ref
            )
        )
    ).first()
    if row is None:  # the link came before the ledger's event: still show something sane
        return Customer(who.customer_ref, None, language_of(None), "Europe/Paris")
    return Customer(row.name, row.email, language_of(row.language), row.timezone)


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


async def open_invoices(s: AsyncSession, who: DebtorSession) -> list[Invoice]:
    i = db.invoices.c
    rows = await s.execute(
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
    s: AsyncSession, who: DebtorSession, number: str
) -> tuple[Invoice, str | None] | None:
    i = db.invoices.c
    row = (
        await s.execute(
            select(db.invoices).where(
                i.tenant == who.tenant,
                i.customer_ref == who.customer_ref,
                i.invoice_number == number,
            )
        )
    ).first()
    return None if row is None else (_invoice(row), row.pdf_url)


async def payments_in_progress(s: AsyncSession, who: DebtorSession, now: datetime) -> set[str]:
    k = db.checkouts.c
    rows = await s.execute(
        select(k.allocations).where(
            k.tenant == who.tenant,
            k.customer_ref == who.customer_ref,
            k.status == "captured",
            k.completed_at > now - PENDING_WINDOW,
        )
    )
    return {a["invoice_number"] for (allocations,) in rows for a in allocations}


async def history(s: AsyncSession, who: DebtorSession) -> list[Any]:
    h = db.history.c
    return list(
        await s.execute(
            select(h.kind, h.status, h.sent_at, h.updated_at)
            .where(h.tenant == who.tenant, h.customer_ref == who.customer_ref)
            .order_by(h.sent_at.desc())
            .limit(200)
        )
    )


async def payments(s: AsyncSession, who: DebtorSession) -> list[Any]:
    p = db.payments.c
    return list(
        await s.execute(
            select(p.payment_ref, p.paid_on, p.amount, p.currency, p.status)
            .where(p.tenant == who.tenant, p.customer_ref == who.customer_ref)
            .order_by(p.paid_on.desc())
            .limit(100)
        )
    )


async def notices(s: AsyncSession, who: DebtorSession) -> list[Any]:
    n = db.notices.c
    return list(
        await s.execute(
            select(n.template, n.invoice_numbers, n.created_at)
            .where(n.tenant == who.tenant, n.customer_ref == who.customer_ref)
            .order_by(n.created_at.desc())
            .limit(5)
        )
    )


async def promise_max_days(s: AsyncSession, tenant: str, default: int) -> int:
    days = await s.scalar(
        select(db.tenant_settings.c.promise_max_days).where(db.tenant_settings.c.tenant == tenant)
    )
    return days or default
