"""Recording payments, allocating them to invoices, and undoing a rejected direct debit."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from encaisse.bus.uow import UnitOfWork
from encaisse.contracts import Money
from encaisse.contracts.ledger import (
    Allocation,
    InvoiceSettled,
    InvoiceState,
    InvoiceStatus,
    InvoiceUpdated,
    PaymentMethod,
    PaymentReceived,
    PaymentRejected,
)
from encaisse.kit.failures import Conflict, DomainError, NotFound
from encaisse.ledger.domain import (
    SETTLEABLE,
    OpenInvoice,
    Share,
    allocate_oldest_first,
    status_for,
    unallocated,
)
from encaisse.ledger.domain.events import invoice_event
from encaisse.ledger.models import PaymentIn
from encaisse.ledger.repository import customers, invoices, payments


def _same_payment(row: Any, shares: Sequence[tuple[str, Decimal]], cmd: PaymentIn) -> bool:
    given = sorted((al.invoice_number, al.amount) for al in cmd.allocations)
    return (row["customer_ref"], row["paid_on"], row["amount"], row["currency"], row["method"]) == (
        cmd.customer_ref,
        cmd.date,
        cmd.amount,
        cmd.currency,
        cmd.method.value,
    ) and (not given or given == sorted(shares))


async def _existing(session: AsyncSession, tenant: str, cmd: PaymentIn) -> bool:
    """True when this payment is already recorded; Conflict if its ref names another one."""
    row = await payments.get_payment(session, tenant, cmd.ref)
    if row is None:
        return False
    shares = await payments.allocations(session, tenant, cmd.ref)
    if not _same_payment(row, [(s["invoice_number"], s["amount"]) for s in shares], cmd):
        raise Conflict("ref", f"payment {cmd.ref!r} was already recorded differently")
    return True


async def _lock_invoices(session: AsyncSession, tenant: str, cmd: PaymentIn) -> dict[str, Any]:
    rows = await invoices.lock_for_payment(
        session,
        tenant,
        numbers=[al.invoice_number for al in cmd.allocations],
        customer_ref=cmd.customer_ref,
        currency=cmd.currency,
    )
    return {row["number"]: row for row in rows}


def check_allocations(cmd: PaymentIn, invoices: dict[str, Any]) -> list[Share]:
    """The allocations as given, each checked against its invoice; raise naming the field."""
    seen: set[str] = set()
    for n, al in enumerate(cmd.allocations):
        loc = ("allocations", n)
        inv = invoices.get(al.invoice_number)
        if inv is None or inv["customer_ref"] != cmd.customer_ref:
            raise DomainError(
                (*loc, "invoice_number"), f"no invoice {al.invoice_number!r} for this customer"
            )
        if al.invoice_number in seen:
            raise DomainError((*loc, "invoice_number"), "invoice allocated twice")
        seen.add(al.invoice_number)
        if inv["currency"] != cmd.currency:
            raise DomainError(
                "currency",
                f"{cmd.currency} differs from invoice {inv['number']}'s currency {inv['currency']}",
            )
        if inv["status"] not in SETTLEABLE:
            raise DomainError((*loc, "invoice_number"), f"the invoice is {inv['status']}")
        if al.amount > inv["open_balance"]:
            raise DomainError(
                (*loc, "amount"), f"{al.amount} is above the open balance {inv['open_balance']}"
            )
    shares = [Share(al.invoice_number, al.amount) for al in cmd.allocations]
    if unallocated(cmd.amount, shares) < 0:
        raise DomainError("allocations", "the allocations exceed the payment amount")
    return shares


async def record_payment(uow: UnitOfWork, tenant: str, cmd: PaymentIn) -> bool:
    """Record a payment and settle what it pays; False when it was already recorded."""
    session = uow.session
    if await _existing(session, tenant, cmd):
        return False
    if not await customers.customer_exists(session, tenant, cmd.customer_ref):
        raise DomainError("customer_ref", f"unknown customer {cmd.customer_ref!r}")
    invoices = await _lock_invoices(session, tenant, cmd)
    if cmd.allocations:
        shares = check_allocations(cmd, invoices)
    else:
        shares = allocate_oldest_first(
            cmd.amount,
            [
                OpenInvoice(r["number"], r["due_date"], r["issue_date"], r["open_balance"])
                for r in invoices.values()
            ],
        )
    left = unallocated(cmd.amount, shares)
    inserted = await payments.insert_payment(
        session,
        tenant,
        ref=cmd.ref,
        customer_ref=cmd.customer_ref,
        paid_on=cmd.date,
        amount=cmd.amount,
        currency=cmd.currency,
        method=cmd.method.value,
        unallocated=left,
    )
    if not inserted:  # recorded meanwhile by a concurrent delivery
        return False
    allocations, invoice_events = [], []
    for share in shares:
        after, event = await _pay_invoice(
            session, tenant, invoices[share.invoice_number], share, cmd
        )
        invoice_events.append(event)
        allocations.append(
            Allocation(
                invoice_number=share.invoice_number,
                amount=Money(amount=share.amount, currency=cmd.currency),
                open_balance_after=Money(amount=after, currency=cmd.currency),
            )
        )
    await uow.publish(
        PaymentReceived(
            tenant=tenant,
            version=1,
            payment_ref=cmd.ref,
            customer_ref=cmd.customer_ref,
            paid_on=cmd.date,
            amount=Money(amount=cmd.amount, currency=cmd.currency),
            method=cmd.method,
            allocations=tuple(allocations),
            unallocated=Money(amount=left, currency=cmd.currency),
        ),
        subject=cmd.ref,
    )
    for event in invoice_events:  # after the payment that caused them
        await uow.publish(event, subject=event.invoice_number)
    return True


async def _pay_invoice(
    session: AsyncSession, tenant: str, inv: Any, share: Share, cmd: PaymentIn
) -> tuple[Decimal, InvoiceState]:
    await payments.insert_allocation(session, tenant, cmd.ref, share.invoice_number, share.amount)
    balance = inv["open_balance"] - share.amount
    status = status_for(inv["amount"], balance)
    row = await invoices.set_balance(session, tenant, inv["number"], balance, status)
    event: InvoiceState
    if status == InvoiceStatus.PAID:
        refs = await payments.paying_refs(session, tenant, inv["number"])
        event = invoice_event(InvoiceSettled, row, settled_on=cmd.date, payment_refs=tuple(refs))
    else:
        event = invoice_event(
            InvoiceUpdated, row, reason="partially_paid", changed_fields=("open_balance", "status")
        )
    return balance, event


async def reject_payment(
    uow: UnitOfWork, tenant: str, ref: str, rejected_on: date, reason: str | None
) -> bool:
    """Undo a direct debit that came back unpaid; False when it was already rejected."""
    session = uow.session
    payment = await payments.get_payment(session, tenant, ref, lock=True)
    if payment is None:
        raise NotFound("ref", f"no payment {ref!r}")
    if payment["status"] == "rejected":
        return False
    if payment["method"] != PaymentMethod.DIRECT_DEBIT:
        raise Conflict("ref", "only a direct debit can be rejected")
    shares = await payments.allocations(session, tenant, ref)
    reopened = []
    for share in shares:
        inv = await invoices.get_invoice(session, tenant, share["invoice_number"], lock=True)
        assert inv is not None  # an allocation's invoice: the foreign key keeps it
        balance = min(inv["amount"], inv["open_balance"] + share["amount"])
        status = (
            InvoiceStatus(inv["status"])
            if inv["status"] in ("cancelled", "written_off")
            else status_for(inv["amount"], balance)
        )
        row = await invoices.set_balance(session, tenant, inv["number"], balance, status)
        await uow.publish(
            invoice_event(
                InvoiceUpdated, row, reason="reopened", changed_fields=("open_balance", "status")
            ),
            subject=inv["number"],
        )
        reopened.append(
            Allocation(
                invoice_number=inv["number"],
                amount=Money(amount=share["amount"], currency=payment["currency"]),
                open_balance_after=Money(amount=balance, currency=payment["currency"]),
            )
        )
    version = await payments.mark_rejected(session, tenant, ref, rejected_on, reason)
    await uow.publish(
        PaymentRejected(
            tenant=tenant,
            version=version,
            payment_ref=ref,
            customer_ref=payment["customer_ref"],
            rejected_on=rejected_on,
            reason=reason,
            reopened=tuple(reopened),
        ),
        subject=ref,
    )
    return True


async def get_payment(session: AsyncSession, tenant: str, ref: str) -> dict[str, Any]:
    row = await payments.get_payment(session, tenant, ref)
    if row is None:
        raise NotFound("ref", f"no payment {ref!r}")
    shares = await payments.allocations(session, tenant, ref)
    return {**row, "allocations": [dict(s) for s in shares]}
