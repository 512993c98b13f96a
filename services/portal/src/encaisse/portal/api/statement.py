"""The debtor's pages: statement, one invoice with its PDF, what was sent to them."""

from __future__ import annotations

import logging

import httpx
from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from encaisse.kit.documents import (
    DocumentPolicy,
    DocumentRefused,
    DocumentUnavailable,
    fetch_document,
)
from encaisse.portal.api.deps import Now, Settings, SignedIn, SignedInDebtor, Uow
from encaisse.portal.domain.statement import Invoice
from encaisse.portal.usecases import statement as usecases
from encaisse.portal.web import render

router = APIRouter(include_in_schema=False)
log = logging.getLogger(__name__)
PDF_MAX_BYTES = 20 * 1024 * 1024


@router.get("/")
async def statement(request: Request, debtor: SignedIn, uow: Uow, now: Now) -> HTMLResponse:
    shown = await usecases.statement(uow.session, debtor.portal_session, now)
    return render(
        request,
        "statement.html",
        debtor.lang,
        debtor=debtor,
        invoices=shown.invoices,
        totals=shown.totals,
        today=shown.today,
        in_progress=shown.in_progress,
        notices=shown.notices,
    )


async def _own_invoice(uow: Uow, debtor: SignedInDebtor, number: str) -> tuple[Invoice, str | None]:
    found = await usecases.own_invoice(uow.session, debtor.portal_session, number)
    if found is None:  # unknown and another customer's invoice look the same
        raise HTTPException(404, "no such invoice")
    return found


@router.get("/invoices/{number}")
async def invoice_page(
    request: Request, number: str, debtor: SignedIn, uow: Uow, now: Now
) -> HTMLResponse:
    invoice, _ = await _own_invoice(uow, debtor, number)
    return render(
        request, "invoice.html", debtor.lang, debtor=debtor, invoice=invoice, today=now.date()
    )


@router.get("/invoices/{number}/pdf")
async def invoice_pdf(number: str, debtor: SignedIn, uow: Uow, settings: Settings) -> Response:
    """The ledger's PDF, fetched server-side so its address never reaches the browser."""
    _, pdf_url = await _own_invoice(uow, debtor, number)
    if not pdf_url:
        raise HTTPException(404, "this invoice has no PDF")
    content = await _fetch_pdf(
        settings.document_policy(PDF_MAX_BYTES), debtor.portal_session.tenant, pdf_url
    )
    return Response(
        content,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{_safe(number)}.pdf"'},
    )


async def _fetch_pdf(policy: DocumentPolicy, tenant: str, url: str) -> bytes:
    """At most PDF_MAX_BYTES from an allowed origin (``encaisse.kit.documents``), and a PDF
    by its content: anything else is the ledger's fault."""
    async with httpx.AsyncClient(timeout=policy.timeout_seconds) as http:
        try:
            content = await fetch_document(http, policy, tenant, url)
        except DocumentRefused as exc:
            log.warning("invoice PDF of tenant %s not shown: %s", tenant, exc)
            raise HTTPException(502, "the invoice's PDF is not available") from exc
        except DocumentUnavailable as exc:
            raise HTTPException(502, "the PDF cannot be fetched now") from exc
    if not content.startswith(b"%PDF-"):
        raise HTTPException(502, "the invoice's document is not a PDF")
    return content


def _safe(name: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in name)


@router.get("/history")
async def history_page(request: Request, debtor: SignedIn, uow: Uow) -> HTMLResponse:
    items, payments = await usecases.history(uow.session, debtor.portal_session)
    return render(
        request, "history.html", debtor.lang, debtor=debtor, items=items, payments=payments
    )
