"""Paying one or several invoices through the payment provider.

GET /pay shows what will be paid; POST /pay records a pending checkout and
sends the debtor to the provider; the provider's signed return completes the
checkout once (row lock): a capture publishes ``portal.payment.captured.v1``,
which the ledger records as a payment.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from types import SimpleNamespace
from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from encaisse.bus.uow import UnitOfWork
from encaisse.contracts import Money
from encaisse.contracts.portal import CapturedAllocation, PaymentCaptured
from encaisse.kit.failures import DomainError
from encaisse.kit.money import at_precision
from encaisse.kit.runtime import RuntimeDep
from encaisse.portal import domain, queries, repository
from encaisse.portal.api.actions import refused
from encaisse.portal.api.deps import Db, Debtor, Now, Provider, SignedIn, SignedInForm
from encaisse.portal.payments import BadProviderSignature, Outcome
from encaisse.portal.web import render

router = APIRouter(include_in_schema=False)


async def _payable(
    s: Any, debtor: Debtor, numbers: list[str], now: datetime
) -> domain.PaymentRequest:
    invoices = await queries.open_invoices(s, debtor.session)
    busy = await queries.payments_in_progress(s, debtor.session, now)
    return domain.payment_for(domain.chosen([i for i in invoices if i.number not in busy], numbers))


@router.get("/pay")
async def pay_page(
    request: Request,
    debtor: SignedIn,
    s: Db,
    now: Now,
    invoices: Annotated[list[str], Query()] = [],  # noqa: B006 - FastAPI copies it per request
) -> HTMLResponse:
    try:
        payment = await _payable(s, debtor, invoices, now)
    except DomainError as error:
        return refused(request, "pay.html", debtor, error, payment=None)
    return render(request, "pay.html", debtor.lang, debtor=debtor, payment=payment)


@router.post("/pay")
async def start_checkout(
    request: Request,
    debtor: SignedInForm,
    runtime: RuntimeDep,
    provider: Provider,
    now: Now,
    invoices: Annotated[list[str], Form()],
) -> Response:
    async with runtime.unit_of_work() as uow:
        try:
            payment = await _payable(uow.session, debtor, invoices, now)
        except DomainError as error:
            return refused(request, "pay.html", debtor, error, payment=None)
        checkout_id = str(uuid.uuid4())
        await repository.add_checkout(
            uow.session,
            checkout_id,
            debtor.session.tenant,
            debtor.session.customer_ref,
            payment.amount,
            payment.currency,
            provider.name,
            [
                {"invoice_number": a.invoice_number, "amount": str(a.amount)}
                for a in payment.allocations
            ],
        )
    return RedirectResponse(
        provider.start(checkout_id, payment.amount, payment.currency), status_code=303
    )


@router.get("/pay/return")
async def provider_return(
    request: Request, debtor: SignedIn, runtime: RuntimeDep, provider: Provider, now: Now
) -> HTMLResponse:
    try:
        outcome = provider.confirm(dict(request.query_params))
    except BadProviderSignature as exc:
        raise HTTPException(400, "the payment provider's answer is not signed") from exc
    async with runtime.unit_of_work() as uow:
        checkout = await complete_checkout(uow, outcome, provider.name, now)
    if checkout is None or (checkout.tenant, checkout.customer_ref) != (
        debtor.session.tenant,
        debtor.session.customer_ref,
    ):
        raise HTTPException(404, "no such payment")
    what = "paid" if checkout.status == "captured" else "failed"
    return render(
        request,
        "done.html",
        debtor.lang,
        debtor=debtor,
        what=what,
        reference=checkout.provider_ref or checkout.checkout_id,
    )


async def complete_checkout(uow: UnitOfWork, outcome: Outcome, provider: str, now: datetime) -> Any:
    """Record the provider's outcome once; a capture publishes PaymentCaptured. Idempotent."""
    row = await repository.locked_checkout(uow.session, outcome.checkout_id)
    if row is None or row.status != "pending":
        return row
    status = "captured" if outcome.captured else "failed"
    await repository.complete(uow.session, row.checkout_id, status, outcome.provider_ref, now)
    if outcome.captured:
        await uow.publish(
            _captured(row, provider, outcome.provider_ref, now), subject=row.customer_ref
        )
    return SimpleNamespace(
        **{**row._asdict(), "status": status, "provider_ref": outcome.provider_ref}
    )


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


# --- the sandbox checkout, standing in for the provider's hosted page ---------------------

sandbox = APIRouter(include_in_schema=False)


async def _pending_checkout(s: Any, debtor: Debtor, checkout_id: str) -> Any:
    row = await repository.customer_checkout(
        s, debtor.session.tenant, debtor.session.customer_ref, checkout_id
    )
    if row is None:
        raise HTTPException(404, "no such checkout")
    return row


@sandbox.get("/sandbox/checkout/{checkout_id}")
async def sandbox_page(request: Request, checkout_id: str, debtor: SignedIn, s: Db) -> HTMLResponse:
    checkout = await _pending_checkout(s, debtor, checkout_id)
    return render(request, "sandbox.html", debtor.lang, debtor=debtor, checkout=checkout)


@sandbox.post("/sandbox/checkout/{checkout_id}")
async def sandbox_pay(
    checkout_id: str,
    debtor: SignedInForm,
    s: Db,
    provider: Provider,
    outcome: Annotated[str, Form(pattern="^(succeed|fail)$")],
) -> Response:
    checkout = await _pending_checkout(s, debtor, checkout_id)
    finish = getattr(provider, "finish", None)
    if finish is None:
        raise HTTPException(404, "the sandbox is off")
    return RedirectResponse(finish(checkout.checkout_id, outcome == "succeed"), status_code=303)
