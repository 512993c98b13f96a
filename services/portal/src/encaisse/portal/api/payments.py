"""Paying one or several invoices through the payment provider.

GET /pay shows what will be paid; POST /pay records a pending checkout and sends the
debtor to the provider; the provider's signed return completes the checkout once (row
lock): a capture publishes ``portal.payment.captured.v1``, which the ledger records as a
payment (``usecases.payments``).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from encaisse.kit.failures import DomainError
from encaisse.portal.api.deps import Now, Provider, SignedIn, SignedInForm, Uow
from encaisse.portal.api.forms import refused
from encaisse.portal.payments import BadProviderSignature
from encaisse.portal.usecases import payments
from encaisse.portal.web import render

router = APIRouter(include_in_schema=False)


@router.get("/pay")
async def pay_page(
    request: Request,
    debtor: SignedIn,
    uow: Uow,
    now: Now,
    invoices: Annotated[list[str], Query()] = [],  # noqa: B006 - FastAPI copies it per request
) -> HTMLResponse:
    try:
        payment = await payments.payable(uow.session, debtor.portal_session, invoices, now)
    except DomainError as error:
        return refused(request, "pay.html", debtor, error, payment=None)
    return render(request, "pay.html", debtor.lang, debtor=debtor, payment=payment)


@router.post("/pay")
async def start_checkout(
    request: Request,
    debtor: SignedInForm,
    uow: Uow,
    provider: Provider,
    now: Now,
    invoices: Annotated[list[str], Form()],
) -> Response:
    try:
        url = await payments.start_checkout(uow, debtor.portal_session, invoices, provider, now)
    except DomainError as error:
        return refused(request, "pay.html", debtor, error, payment=None)
    return RedirectResponse(url, status_code=303)


@router.get("/pay/return")
async def provider_return(
    request: Request, debtor: SignedIn, uow: Uow, provider: Provider, now: Now
) -> HTMLResponse:
    try:
        result = provider.confirm(dict(request.query_params))
    except BadProviderSignature as exc:
        raise HTTPException(400, "the payment provider's answer is not signed") from exc
    checkout = await payments.complete_checkout(uow, result, provider.name, now)
    who = debtor.portal_session
    if checkout is None or (checkout.tenant, checkout.customer_ref) != (
        who.tenant,
        who.customer_ref,
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
