"""Server-rendered pages: the Jinja2 environment and the security headers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.responses import HTMLResponse, PlainTextResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from encaisse.portal import i18n

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")

# No script at all, styles from our own origin only, forms post back to us only.
CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
SECURITY_HEADERS = {
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}
# Swagger UI loads its scripts from a CDN: the staff's API docs get no CSP.
_NO_CSP = ("/docs", "/redoc", "/openapi.json")
# What a form may carry besides its attachment: the body is refused before it is read.
FORM_OVERHEAD = 256 * 1024


def render(
    request: Request, name: str, lang: str, status_code: int = 200, **context: Any
) -> HTMLResponse:
    context.update(
        lang=lang,
        t=i18n.translator(lang),
        refusal=lambda error: i18n.refusal(error, lang),
        money=lambda amount, currency: i18n.money(amount, currency, lang),
        day=lambda value: i18n.day(value, lang),
        moment=lambda value, tz="Europe/Paris": i18n.moment(value, lang, tz),
    )
    return templates.TemplateResponse(request, name, context, status_code=status_code)


def body_too_large(method: str, headers: Any, max_bytes: int) -> int | None:
    """The status refusing a body before it is read: 413 too long, 411 streamed without
    a length (browsers always give one for a form); None to let it through."""
    if method not in ("POST", "PUT", "PATCH"):
        return None
    length = headers.get("content-length")
    if length is None:
        return 411 if headers.get("transfer-encoding") else None
    return 413 if not length.isdigit() or int(length) > max_bytes else None


def install_pages(app: FastAPI, max_attachment_bytes: int) -> None:
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    @app.middleware("http")
    async def limit_body(request: Request, call_next: Any) -> Response:
        refused = body_too_large(
            request.method, request.headers, max_attachment_bytes + FORM_OVERHEAD
        )
        if refused is not None:
            return PlainTextResponse("request body refused", status_code=refused)
        return await call_next(request)

    @app.middleware("http")
    async def security_headers(request: Request, call_next: Any) -> Response:
        response: Response = await call_next(request)
        response.headers.update(SECURITY_HEADERS)
        if not request.url.path.startswith(_NO_CSP):
            response.headers["Content-Security-Policy"] = CSP
        if response.headers.get("content-type", "").startswith("text/html"):
            response.headers["Cache-Control"] = "no-store"
        return response
