"""Promising to pay chosen invoices by a date within the tenant's limit
(``portal.promise.made.v1``)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse

from encaisse.kit.failures import DomainError
from encaisse.portal.api.deps import Now, Settings, SignedIn, SignedInDebtor, SignedInForm, Uow
from encaisse.portal.api.forms import done, refused
from encaisse.portal.domain.statement import Invoice
from encaisse.portal.usecases import actions
from encaisse.portal.usecases.statement import chosen_invoices
from encaisse.portal.web import render

router = APIRouter(include_in_schema=False)


async def _limits(uow: Uow, debtor: SignedInDebtor, settings: Settings, now: Now) -> dict[str, Any]:
    days = await actions.promise_max_days(
        uow.session, debtor.portal_session.tenant, settings.portal_promise_max_days
    )
    return {"today": now.date(), "latest": now.date() + timedelta(days=days), "max_days": days}


@router.get("/promise")
async def promise_form(
    request: Request,
    debtor: SignedIn,
    uow: Uow,
    settings: Settings,
    now: Now,
    invoices: Annotated[list[str], Query()] = [],  # noqa: B006 - FastAPI copies it per request
) -> HTMLResponse:
    context = await _limits(uow, debtor, settings, now)
    try:
        chosen = await chosen_invoices(uow.session, debtor.portal_session, invoices)
    except DomainError as error:
        return refused(request, "promise.html", debtor, error, chosen=[], **context)
    return render(request, "promise.html", debtor.lang, debtor=debtor, chosen=chosen, **context)


@router.post("/promise")
async def make_promise(
    request: Request,
    debtor: SignedInForm,
    uow: Uow,
    settings: Settings,
    now: Now,
    invoices: Annotated[list[str], Form(alias="invoices")],
    promised_date: Annotated[str, Form()],
) -> HTMLResponse:
    context = await _limits(uow, debtor, settings, now)
    chosen: list[Invoice] = []
    try:
        chosen = await chosen_invoices(uow.session, debtor.portal_session, invoices)
        promise_id = await actions.make_promise(
            uow, debtor.portal_session, chosen, promised_date, now.date(), context["max_days"]
        )
    except DomainError as error:
        return refused(request, "promise.html", debtor, error, chosen=chosen, **context)
    return done(request, debtor, "promise", promise_id)
