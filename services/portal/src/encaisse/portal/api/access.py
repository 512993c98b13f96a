"""Opening the portal: a link's page (GET, no side effect), its exchange (POST), sign-out.

The exchange is a login: a site must not sign a visitor in as someone else. Its
POST comes from our own site (``Sec-Fetch-Site``, or ``Origin``) and carries the
page's CSRF token, bound to a random pre-session cookie (SameSite=Strict), the
signed double submit of the link request form (``domain.access.form_csrf``).
"""

from __future__ import annotations

import secrets
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Cookie, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from encaisse.kit.links import InvalidLink
from encaisse.portal.api.deps import COOKIE, LINK_FORM_COOKIE, Now, Settings, SignedInForm, Uow
from encaisse.portal.domain.access import form_csrf, form_csrf_ok
from encaisse.portal.i18n import language_of
from encaisse.portal.settings import PortalSettings
from encaisse.portal.usecases.access import check_link, sign_in, sign_out
from encaisse.portal.web import render

router = APIRouter(include_in_schema=False)
# The pre-session cookie goes to the links' pages only (/access/<token>).
LINK_FORM_PATH = "/access/"


def page_language(request: Request) -> str:
    """Before sign-in, the browser's language."""
    return language_of(request.headers.get("accept-language"))


def invalid_link_page(request: Request, status_code: int = 401) -> HTMLResponse:
    return render(request, "invalid_link.html", page_language(request), status_code=status_code)


def _same_origin(request: Request) -> bool:
    """A POST from another site is refused (login CSRF).

    Browsers say where a request comes from in Sec-Fetch-Site; with our
    no-referrer policy their Origin is "null", so Origin is only a fallback.
    """
    site = request.headers.get("sec-fetch-site")
    if site is not None:
        return site in ("same-origin", "none")
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        return True
    return urlsplit(origin).netloc == request.headers.get("host")


def pre_session_page(
    request: Request,
    settings: PortalSettings,
    name: str,
    *,
    cookie: str,
    path: str,
    max_age: int,
    **context: Any,
) -> HTMLResponse:
    """A page whose form posts before sign-in: a random SameSite=Strict cookie and, in the
    form, its HMAC (signed double submit)."""
    value = secrets.token_urlsafe(16)
    page = render(
        request,
        name,
        page_language(request),
        csrf=form_csrf(settings.current_link_key, value),
        **context,
    )
    page.set_cookie(
        cookie,
        value,
        max_age=max_age,
        path=path,
        httponly=True,
        secure=settings.portal_cookie_secure,
        samesite="strict",
    )
    return page


def pre_session_form_ok(
    request: Request, settings: PortalSettings, cookie: str | None, csrf: str | None
) -> bool:
    """A form posted before sign-in: from our own site, with the token of its cookie."""
    return _same_origin(request) and form_csrf_ok(settings.current_link_key, cookie, csrf)


@router.get("/access/{token}")
async def link_page(
    request: Request, token: str, uow: Uow, settings: Settings, now: Now
) -> HTMLResponse:
    """Mail scanners fetch links: this page only shows a button."""
    try:
        await check_link(uow.session, settings.portal_link_keys, token, now)
    except InvalidLink:
        return invalid_link_page(request)
    return pre_session_page(
        request,
        settings,
        "access.html",
        cookie=LINK_FORM_COOKIE,
        path=LINK_FORM_PATH,
        max_age=int(settings.session_ttl.total_seconds()),
        action=f"/access/{token}",
    )


@router.post("/access/{token}")
async def open_session(
    request: Request,
    token: str,
    uow: Uow,
    settings: Settings,
    now: Now,
    csrf: Annotated[str | None, Form()] = None,
    form_cookie: Annotated[str | None, Cookie(alias=LINK_FORM_COOKIE)] = None,
) -> Response:
    if not pre_session_form_ok(request, settings, form_cookie, csrf):
        return render(request, "forbidden.html", page_language(request), status_code=403)
    try:
        portal_session = await sign_in(
            uow.session, settings.portal_link_keys, token, now, settings.session_ttl
        )
    except InvalidLink:
        return invalid_link_page(request)
    response = RedirectResponse("/", status_code=303)
    response.set_cookie(
        COOKIE,
        portal_session.token,
        max_age=int(settings.session_ttl.total_seconds()),
        path="/",
        httponly=True,
        secure=settings.portal_cookie_secure,
        samesite="lax",
    )
    response.delete_cookie(LINK_FORM_COOKIE, path=LINK_FORM_PATH)
    return response


@router.post("/logout")
async def log_out(debtor: SignedInForm, uow: Uow) -> Response:
    await sign_out(uow.session, debtor.portal_session)
    response = RedirectResponse("/access/request", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response
