"""What a debtor can do besides paying: dispute an invoice, promise to pay, ask for a plan.

Each action is recorded in the portal's schema and publishes its event through
the outbox in the same transaction, then shows a confirmation.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, HTTPException, Query, Request, UploadFile
from fastapi.responses import HTMLResponse

from encaisse.contracts.portal import DisputeOpened, DisputeReason, PlanRequested, PromiseMade
from encaisse.kit.failures import DomainError
from encaisse.kit.runtime import RuntimeDep
from encaisse.portal import db, domain, queries
from encaisse.portal.api.deps import Db, Debtor, Now, Settings, SignedIn, SignedInForm
from encaisse.portal.web import render

router = APIRouter(include_in_schema=False)
Chosen = Annotated[list[str], Form(alias="invoices")]


def refused(
    request: Request, template: str, debtor: Debtor, error: DomainError, **context: Any
) -> HTMLResponse:
    """The form again, with the field at fault named, and status 422."""
    return render(
        request,
        template,
        debtor.lang,
        status_code=422,
        debtor=debtor,
        error=error,
        error_field=error.field[-1],
        **context,
    )


def done(request: Request, debtor: Debtor, what: str, reference: str) -> HTMLResponse:
    return render(request, "done.html", debtor.lang, debtor=debtor, what=what, reference=reference)


# --- dispute -----------------------------------------------------------------------------


@router.get("/invoices/{number}/dispute")
async def dispute_form(request: Request, number: str, debtor: SignedIn, s: Db) -> HTMLResponse:
    invoice = await _own(s, debtor, number)
    return render(
        request,
        "dispute.html",
        debtor.lang,
        debtor=debtor,
        invoice=invoice,
        reasons=list(DisputeReason),
    )


async def _own(s: Any, debtor: Debtor, number: str) -> domain.Invoice:
    found = await queries.invoice(s, debtor.session, number)
    if found is None:
        raise HTTPException(404, "no such invoice")
    return found[0]


@router.post("/invoices/{number}/dispute")
async def open_dispute(
    request: Request,
    number: str,
    debtor: SignedInForm,
    runtime: RuntimeDep,
    settings: Settings,
    now: Now,
    reason: Annotated[DisputeReason, Form()],
    message: Annotated[str, Form(max_length=5000)] = "",
    attachment: Annotated[UploadFile | None, File()] = None,
) -> HTMLResponse:
    async with runtime.unit_of_work() as uow:
        invoice = await _own(uow.session, debtor, number)
        try:
            message = domain.dispute_message(message)
            content, kind = await _attachment(attachment, settings.portal_attachment_max_bytes)
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
        digest = hashlib.sha256(content).hexdigest() if content else None
        dispute_id = str(uuid.uuid4())
        who = debtor.session
        await uow.session.execute(
            db.disputes.insert().values(
                dispute_id=dispute_id,
                tenant=who.tenant,
                customer_ref=who.customer_ref,
                invoice_number=number,
                reason=reason.value,
                message=message,
                attachment=content,
                attachment_type=kind,
                attachment_sha256=digest,
                opened_at=now,
            )
        )
        await uow.publish(
            DisputeOpened(
                tenant=who.tenant,
                version=1,
                dispute_id=dispute_id,
                customer_ref=who.customer_ref,
                invoice_number=number,
                reason=reason,
                message=message,
                attachment_sha256=digest,
                opened_at=now,
            ),
            subject=dispute_id,
        )
    return done(request, debtor, "dispute", dispute_id)


async def _attachment(upload: UploadFile | None, max_bytes: int) -> tuple[bytes | None, str | None]:
    if upload is None or not upload.filename:
        return None, None
    content = await upload.read(max_bytes + 1)
    if not content:
        return None, None
    return content, domain.attachment_type(content, max_bytes)


# --- promise to pay ----------------------------------------------------------------------


async def _choice(s: Any, debtor: Debtor, numbers: list[str]) -> list[domain.Invoice]:
    return domain.chosen(await queries.open_invoices(s, debtor.session), numbers)


@router.get("/promise")
async def promise_form(
    request: Request,
    debtor: SignedIn,
    s: Db,
    settings: Settings,
    now: Now,
    invoices: Annotated[list[str], Query()] = [],  # noqa: B006 - FastAPI copies it per request
) -> HTMLResponse:
    context = await _promise_context(s, debtor, settings, now)
    try:
        chosen = await _choice(s, debtor, invoices)
    except DomainError as error:
        return refused(request, "promise.html", debtor, error, chosen=[], **context)
    return render(request, "promise.html", debtor.lang, debtor=debtor, chosen=chosen, **context)


async def _promise_context(s: Any, debtor: Debtor, settings: Settings, now: Now) -> dict:
    days = await queries.promise_max_days(
        s, debtor.session.tenant, settings.portal_promise_max_days
    )
    return {"today": now.date(), "latest": now.date() + timedelta(days=days), "max_days": days}


@router.post("/promise")
async def make_promise(
    request: Request,
    debtor: SignedInForm,
    runtime: RuntimeDep,
    settings: Settings,
    now: Now,
    invoices: Chosen,
    promised_date: Annotated[str, Form()],
) -> HTMLResponse:
    async with runtime.unit_of_work() as uow:
        context = await _promise_context(uow.session, debtor, settings, now)
        chosen: list[domain.Invoice] = []
        try:
            chosen = await _choice(uow.session, debtor, invoices)
            promised = domain.check_promise_date(
                _date(promised_date), now.date(), context["max_days"]
            )
        except DomainError as error:
            return refused(request, "promise.html", debtor, error, chosen=chosen, **context)
        promise_id, who = str(uuid.uuid4()), debtor.session
        numbers = [i.number for i in chosen]
        await uow.session.execute(
            db.promises.insert().values(
                promise_id=promise_id,
                tenant=who.tenant,
                customer_ref=who.customer_ref,
                invoice_numbers=numbers,
                promised_date=promised,
            )
        )
        await uow.publish(
            PromiseMade(
                tenant=who.tenant,
                version=1,
                promise_id=promise_id,
                customer_ref=who.customer_ref,
                invoice_numbers=tuple(numbers),
                promised_date=promised,
            ),
            subject=promise_id,
        )
    return done(request, debtor, "promise", promise_id)


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise domain.Refused("promised_date", "bad_date", "a date such as 2030-01-31") from exc


# --- payment plan ------------------------------------------------------------------------


@router.get("/plan")
async def plan_form(
    request: Request,
    debtor: SignedIn,
    s: Db,
    invoices: Annotated[list[str], Query()] = [],  # noqa: B006 - FastAPI copies it per request
) -> HTMLResponse:
    context: dict[str, Any] = {"limits": (domain.MIN_INSTALMENTS, domain.MAX_INSTALMENTS)}
    try:
        chosen = await _choice(s, debtor, invoices)
    except DomainError as error:
        return refused(request, "plan.html", debtor, error, chosen=[], **context)
    return render(request, "plan.html", debtor.lang, debtor=debtor, chosen=chosen, **context)


@router.post("/plan")
async def request_plan(
    request: Request,
    debtor: SignedInForm,
    runtime: RuntimeDep,
    invoices: Chosen,
    instalments: Annotated[str, Form(max_length=10)],
) -> HTMLResponse:
    context = {"limits": (domain.MIN_INSTALMENTS, domain.MAX_INSTALMENTS)}
    async with runtime.unit_of_work() as uow:
        chosen: list[domain.Invoice] = []
        try:
            chosen = await _choice(uow.session, debtor, invoices)
            count = domain.check_instalments(instalments)
        except DomainError as error:
            return refused(request, "plan.html", debtor, error, chosen=chosen, **context)
        plan_id, who = str(uuid.uuid4()), debtor.session
        numbers = [i.number for i in chosen]
        await uow.session.execute(
            db.plans.insert().values(
                plan_id=plan_id,
                tenant=who.tenant,
                customer_ref=who.customer_ref,
                invoice_numbers=numbers,
                instalments=count,
            )
        )
        await uow.publish(
            PlanRequested(
                tenant=who.tenant,
                version=1,
                plan_id=plan_id,
                customer_ref=who.customer_ref,
                invoice_numbers=tuple(numbers),
                instalments=count,
            ),
            subject=plan_id,
        )
    return done(request, debtor, "plan", plan_id)
