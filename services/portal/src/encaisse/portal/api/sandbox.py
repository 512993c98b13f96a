"""The sandbox checkout, standing in for the payment provider's hosted page (served only
with ``ENCAISSE_PAYMENT_PROVIDER=sandbox``): it signs its result like a provider."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from encaisse.portal.api.deps import Provider, SignedIn, SignedInDebtor, SignedInForm, Uow
from encaisse.portal.usecases.payments import own_checkout
from encaisse.portal.web import render

router = APIRouter(include_in_schema=False)


async def _pending_checkout(uow: Uow, debtor: SignedInDebtor, checkout_id: str) -> Any:
    row = await own_checkout(uow.session, debtor.portal_session, checkout_id)
    if row is None:
        raise HTTPException(404, "no such checkout")
    return row


@router.get("/sandbox/checkout/{checkout_id}")
async def sandbox_page(
    request: Request, checkout_id: str, debtor: SignedIn, uow: Uow
) -> HTMLResponse:
    checkout = await _pending_checkout(uow, debtor, checkout_id)
    return render(request, "sandbox.html", debtor.lang, debtor=debtor, checkout=checkout)


@router.post("/sandbox/checkout/{checkout_id}")
async def sandbox_pay(
    checkout_id: str,
    debtor: SignedInForm,
    uow: Uow,
    provider: Provider,
    outcome: Annotated[str, Form(pattern="^(succeed|fail)$")],
) -> Response:
    checkout = await _pending_checkout(uow, debtor, checkout_id)
    finish = getattr(provider, "finish", None)
    if finish is None:
        raise HTTPException(404, "the sandbox is off")
    return RedirectResponse(finish(checkout.checkout_id, outcome == "succeed"), status_code=303)
