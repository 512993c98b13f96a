"""Asking for a new link by email: the same page whether the address is known or not
(``usecases.link_requests``: rate-limited, the notifier sends the link)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Cookie, Form, Request
from fastapi.responses import HTMLResponse

from encaisse.portal.api.access import page_language, pre_session_form_ok, pre_session_page
from encaisse.portal.api.deps import FORM_COOKIE, Now, Settings, Uow
from encaisse.portal.domain.access import LINK_REQUEST_WINDOW
from encaisse.portal.usecases.link_requests import request_links
from encaisse.portal.web import render

router = APIRouter(include_in_schema=False)


@router.get("/access/request")
async def request_page(request: Request, settings: Settings) -> HTMLResponse:
    return pre_session_page(
        request,
        settings,
        "request_link.html",
        cookie=FORM_COOKIE,
        path="/access/request",
        max_age=int(LINK_REQUEST_WINDOW.total_seconds()),
    )


@router.post("/access/request")
async def request_link(
    request: Request,
    uow: Uow,
    settings: Settings,
    now: Now,
    email: Annotated[str, Form(min_length=3, max_length=320)],
    csrf: Annotated[str | None, Form()] = None,
    form_cookie: Annotated[str | None, Cookie(alias=FORM_COOKIE)] = None,
) -> HTMLResponse:
    if not pre_session_form_ok(request, settings, form_cookie, csrf):
        return render(request, "forbidden.html", page_language(request), status_code=403)
    client = request.client.host if request.client else "unknown"
    await request_links(uow, settings, email.strip().lower(), client, now)
    return render(request, "request_link.html", page_language(request), sent=True)
