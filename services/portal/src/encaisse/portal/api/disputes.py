"""Disputing an invoice: a reason, a message and an optional attachment checked by its
content; recorded with ``portal.dispute.opened.v1`` (``usecases.actions``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import HTMLResponse

from encaisse.contracts.portal import DisputeReason
from encaisse.kit.failures import DomainError
from encaisse.portal.api.deps import Now, Settings, SignedIn, SignedInDebtor, SignedInForm, Uow
from encaisse.portal.api.forms import done, refused
from encaisse.portal.domain.statement import Invoice
from encaisse.portal.usecases import actions
from encaisse.portal.usecases.statement import own_invoice
from encaisse.portal.web import render

router = APIRouter(include_in_schema=False)


async def _own(uow: Uow, debtor: SignedInDebtor, number: str) -> Invoice:
    found = await own_invoice(uow.session, debtor.portal_session, number)
    if found is None:
        raise HTTPException(404, "no such invoice")
    return found[0]


@router.get("/invoices/{number}/dispute")
async def dispute_form(request: Request, number: str, debtor: SignedIn, uow: Uow) -> HTMLResponse:
    invoice = await _own(uow, debtor, number)
    return render(
        request,
        "dispute.html",
        debtor.lang,
        debtor=debtor,
        invoice=invoice,
        reasons=list(DisputeReason),
    )


@router.post("/invoices/{number}/dispute")
async def open_dispute(
    request: Request,
    number: str,
    debtor: SignedInForm,
    uow: Uow,
    settings: Settings,
    now: Now,
    reason: Annotated[DisputeReason, Form()],
    message: Annotated[str, Form(max_length=5000)] = "",
    attachment: Annotated[UploadFile | None, File()] = None,
) -> HTMLResponse:
    invoice = await _own(uow, debtor, number)
    max_bytes = settings.portal_attachment_max_bytes
    content = None
    if attachment is not None and attachment.filename:
        content = await attachment.read(max_bytes + 1) or None
    try:
        dispute_id = await actions.open_dispute(
            uow, debtor.portal_session, number, reason, message, content, max_bytes, now
        )
    except DomainError as error:
        return refused(
            request,
            "dispute.html",
            debtor,
            error,
            invoice=invoice,
            reasons=list(DisputeReason),
            message=message,
        )
    return done(request, debtor, "dispute", dispute_id)
