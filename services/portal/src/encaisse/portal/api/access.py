"""Opening the portal: a link's page (GET, no side effect), its exchange (POST), sign-out."""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from encaisse.kit.links import InvalidLink
from encaisse.kit.runtime import RuntimeDep
from encaisse.portal.access import COOKIE, check_link, end_session, exchange_link
from encaisse.portal.api.deps import Db, Now, Settings, SignedInForm
from encaisse.portal.i18n import language_of
from encaisse.portal.web import render

router = APIRouter(include_in_schema=False)


def _lang(request: Request) -> str:
    return language_of(request.headers.get("accept-language"))


def invalid_link_page(request: Request, status_code: int = 401) -> HTMLResponse:
    return render(request, "invalid_link.html", _lang(request), status_code=status_code)


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


@router.get("/access/{token}")
async def link_page(request: Request, token: str, db: Db, settings: Settings,
                    now: Now) -> HTMLResponse:
    """Mail scanners fetch links: this page only shows a button."""
    try:
        await check_link(db, settings.portal_link_keys, token, now)
    except InvalidLink:
        return invalid_link_page(request)
    return render(request, "access.html", _lang(request), action=f"/access/{token}")


@router.post("/access/{token}")
async def open_session(request: Request, token: str, runtime: RuntimeDep, settings: Settings,
                       now: Now) -> Response:
    if not _same_origin(request):
        return invalid_link_page(request, 403)
    try:
        async with runtime.sessions() as db, db.begin():
            session = await exchange_link(db, settings.portal_link_keys, token, now,
                                          settings.session_ttl)
    except InvalidLink:
        return invalid_link_page(request)
    response = RedirectResponse("/", status_code=303)
    response.set_cookie(COOKIE, session.token, max_age=int(settings.session_ttl.total_seconds()),
                        path="/", httponly=True, secure=settings.portal_cookie_secure,
                        samesite="lax")
    return response


@router.post("/logout")
async def sign_out(debtor: SignedInForm, runtime: RuntimeDep) -> Response:
    async with runtime.sessions() as db, db.begin():
        await end_session(db, debtor.session.token)
    response = RedirectResponse("/access/request", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response
