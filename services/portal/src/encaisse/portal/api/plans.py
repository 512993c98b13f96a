"""Asking for a payment plan of chosen invoices: 2 to 24 instalments
(``portal.plan.requested.v1``)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse

from encaisse.kit.failures import DomainError
from encaisse.portal.api.deps import SignedIn, SignedInForm, Uow
from encaisse.portal.api.forms import done, refused
from encaisse.portal.domain.actions import MAX_INSTALMENTS, MIN_INSTALMENTS
from encaisse.portal.domain.statement import Invoice
from encaisse.portal.usecases import actions
from encaisse.portal.usecases.statement import chosen_invoices
from encaisse.portal.web import render

router = APIRouter(include_in_schema=False)
LIMITS: dict[str, Any] = {"limits": (MIN_INSTALMENTS, MAX_INSTALMENTS)}


@router.get("/plan")
async def plan_form(
    request: Request,
    debtor: SignedIn,
    uow: Uow,
    invoices: Annotated[list[str], Query()] = [],  # noqa: B006 - FastAPI copies it per request
) -> HTMLResponse:
    try:
        chosen = await chosen_invoices(uow.session, debtor.portal_session, invoices)
    except DomainError as error:
        return refused(request, "plan.html", debtor, error, chosen=[], **LIMITS)
    return render(request, "plan.html", debtor.lang, debtor=debtor, chosen=chosen, **LIMITS)


@router.post("/plan")
async def request_plan(
    request: Request,
    debtor: SignedInForm,
    uow: Uow,
    invoices: Annotated[list[str], Form(alias="invoices")],
    instalments: Annotated[str, Form(max_length=10)],
) -> HTMLResponse:
    chosen: list[Invoice] = []
    try:
        chosen = await chosen_invoices(uow.session, debtor.portal_session, invoices)
        plan_id = await actions.request_plan(uow, debtor.portal_session, chosen, instalments)
    except DomainError as error:
        return refused(request, "plan.html", debtor, error, chosen=chosen, **LIMITS)
    return done(request, debtor, "plan", plan_id)
