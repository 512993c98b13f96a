"""Paying invoices through the payment provider: a checkout, pending until the provider's
signed result completes it once; a capture publishes ``portal.payment.captured.v1``,
which the ledger records as a payment."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from encaisse.bus.uow import UnitOfWork
from encaisse.contracts import Money
from encaisse.contracts.portal import CapturedAllocation, PaymentCaptured
from encaisse.kit.money import at_precision
from encaisse.portal.domain.access import PortalSession
from encaisse.portal.domain.payments import PaymentRequest, payment_for
from encaisse.portal.payments import CheckoutResult, PaymentProvider
from encaisse.portal.repository import checkouts as repository
from encaisse.portal.repository.statement import payments_in_progress
from encaisse.portal.usecases.statement import chosen_invoices


async def payable(
    session: AsyncSession, who: PortalSession, numbers: list[str], now: datetime
) -> PaymentRequest:
    """What paying the invoices chosen comes to; an invoice being paid cannot be chosen."""
    busy = await payments_in_progress(session, who, now)
    return payment_for(await chosen_invoices(session, who, numbers, busy))


async def start_checkout(
    uow: UnitOfWork,
    who: PortalSession,
    numbers: list[str],
    provider: PaymentProvider,
    now: datetime,
) -> str:
    """Record a pending checkout; where the provider takes the debtor to pay."""
    payment = await payable(uow.session, who, numbers, now)
    checkout_id = str(uuid.uuid4())
    await repository.add_checkout(
        uow.session,
        checkout_id,
        who,
        payment.amount,
        payment.currency,
        provider.name,
        [
            {"invoice_number": a.invoice_number, "amount": str(a.amount)}
            for a in payment.allocations
        ],
    )
    return provider.start(checkout_id, payment.amount, payment.currency)


async def complete_checkout(
    uow: UnitOfWork, result: CheckoutResult, provider: str, now: datetime
) -> Any:
    """Record the provider's result once; a capture publishes PaymentCaptured. Idempotent:
    the checkout as it stands (None when unknown)."""
    row = await repository.locked_checkout(uow.session, result.checkout_id)
    if row is None or row.status != "pending":
        return row
    status = "captured" if result.captured else "failed"
    await repository.mark_completed(uow.session, row.checkout_id, status, result.provider_ref, now)
    if result.captured:
        await uow.publish(
            _captured(row, provider, result.provider_ref, now), subject=row.customer_ref
        )
    return SimpleNamespace(
        **{**row._asdict(), "status": status, "provider_ref": result.provider_ref}
    )


async def own_checkout(session: AsyncSession, who: PortalSession, checkout_id: str) -> Any:
    """The customer's checkout; None for an unknown one or another customer's."""
    return await repository.customer_checkout(session, who, checkout_id)


def _captured(row: Any, provider: str, provider_ref: str, now: datetime) -> PaymentCaptured:
    return PaymentCaptured(
        tenant=row.tenant,
        version=1,
        payment_ref=f"PORTAL-{row.checkout_id}",
        customer_ref=row.customer_ref,
        amount=Money(amount=at_precision(row.amount, row.currency), currency=row.currency),
        allocations=tuple(
            CapturedAllocation(
                invoice_number=a["invoice_number"],
                amount=Money(amount=Decimal(a["amount"]), currency=row.currency),
            )
            for a in row.allocations
        ),
        captured_at=now,
        provider=provider,
        provider_ref=provider_ref,
    )
