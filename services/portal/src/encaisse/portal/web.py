"""Server-rendered pages: the Jinja2 environment and the security headers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from encaisse.portal import i18n

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")

# No script at all, styles from our own origin only, forms post back to us only.
CSP = ("default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
       "frame-ancestors 'none'; base-uri 'none'")
SECURITY_HEADERS = {
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}
# Swagger UI loads its scripts from a CDN: the staff's API docs get no CSP.
_NO_CSP = ("/docs", "/redoc", "/openapi.json")


def render(request: Request, name: str, lang: str, status_code: int = 200,
           **context: Any) -> HTMLResponse:
    context.update(
        lang=lang, t=i18n.translator(lang),
        money=lambda amount, currency: i18n.money(amount, currency, lang),
        day=lambda value: i18n.day(value, lang),
        moment=lambda value, tz="Europe/Paris": i18n.moment(value, lang, tz),
    )
    return templates.TemplateResponse(request, name, context, status_code=status_code)


def install_pages(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    @app.middleware("http")
    async def security_headers(request: Request, call_next: Any) -> Response:
        response: Response = await call_next(request)
        response.headers.update(SECURITY_HEADERS)
        if not request.url.path.startswith(_NO_CSP):
            response.headers["Content-Security-Policy"] = CSP
        if response.headers.get("content-type", "").startswith("text/html"):
            response.headers["Cache-Control"] = "no-store"
        return response
