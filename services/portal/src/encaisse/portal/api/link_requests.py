"""Asking for a new link by email: the same answer whether the address is known or not.

Asking is rate-limited per address and per client (both kept as keyed hashes
only). For each customer with that billing address, the notifier is asked to
send the ``portal_link`` email; it signs the link itself.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Cookie, Form, Request
from fastapi.responses import HTMLResponse

from encaisse.bus.uow import UnitOfWork
from encaisse.contracts.common import Debtor as DebtorContact
from encaisse.contracts.notifier import SendEmail
from encaisse.kit.runtime import RuntimeDep
from encaisse.portal import repository
from encaisse.portal.access import FORM_COOKIE
from encaisse.portal.api.access import _lang, pre_session_form_ok, pre_session_page
from encaisse.portal.api.deps import Now, Settings
from encaisse.portal.settings import PortalSettings
from encaisse.portal.web import render

router = APIRouter(include_in_schema=False)
WINDOW = timedelta(hours=1)


def _keyed(settings: PortalSettings, value: str) -> str:
    return hmac.new(settings.current_link_key.encode(), value.encode(), hashlib.sha256).hexdigest()


@router.get("/access/request")
async def request_page(request: Request, settings: Settings) -> HTMLResponse:
    return pre_session_page(
        request,
        settings,
        "request_link.html",
        cookie=FORM_COOKIE,
        path="/access/request",
        max_age=int(WINDOW.total_seconds()),
    )


@router.post("/access/request")
async def request_link(
    request: Request,
    runtime: RuntimeDep,
    settings: Settings,
    now: Now,
    email: Annotated[str, Form(min_length=3, max_length=320)],
    csrf: Annotated[str | None, Form()] = None,
    form_cookie: Annotated[str | None, Cookie(alias=FORM_COOKIE)] = None,
) -> HTMLResponse:
    if not pre_session_form_ok(request, settings, form_cookie, csrf):
        return render(request, "forbidden.html", _lang(request), status_code=403)
    address = email.strip().lower()
    client = request.client.host if request.client else "unknown"
    async with runtime.unit_of_work() as uow:
        if await _allowed(uow, settings, address, client, now):
            await _send_links(uow, address, now)
    return render(request, "request_link.html", _lang(request), sent=True)


async def _allowed(
    uow: UnitOfWork, settings: PortalSettings, address: str, client: str, now: datetime
) -> bool:
    address_hash, client_hash = _keyed(settings, address), _keyed(settings, "client:" + client)
    return await repository.take_link_request(
        uow.session,
        address_hash,
        client_hash,
        now,
        WINDOW,
        settings.portal_link_requests_per_hour,
    )


async def _send_links(uow: UnitOfWork, address: str, now: datetime) -> None:
    for row in await repository.customers_by_email(uow.session, address):
        command = SendEmail(
            tenant=row.tenant,
            idempotency_key=f"portal-link-{uuid.uuid4()}",
            template="portal_link",
            to=(address,),
            include_portal_link=True,
            debtor=DebtorContact(
                customer_ref=row.customer_ref,
                name=row.name,
                language=row.language,
                timezone=row.timezone,
                country=row.country,
            ),
        )
        await uow.publish(command, subject=row.customer_ref)
