"""Composition root of the portal."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse

from encaisse.kit.app import create_app
from encaisse.kit.runtime import Runtime, every, start_runtime
from encaisse.portal import db, redact
from encaisse.portal.api import access, actions, link_requests, payments, staff, statement
from encaisse.portal.api.deps import BadCsrf, NotSignedIn, app_now
from encaisse.portal.handlers import HANDLERS, QUEUES
from encaisse.portal.payments import provider_from
from encaisse.portal.purge import purge_now
from encaisse.portal.settings import PortalSettings
from encaisse.portal.web import install_pages, render

MIGRATIONS = Path(__file__).resolve().parents[3] / "migrations"


@asynccontextmanager
async def bootstrap(settings: PortalSettings, app: FastAPI) -> AsyncIterator[Runtime[None]]:
    """Database, bus (read model's consumers, outbox relay) and the access tables' purge."""
    async with start_runtime(
        settings,
        outbox=db.outbox,
        inbox=db.inbox,
        parts=lambda _: None,
        consumers=lambda _: [(spec, HANDLERS) for spec in QUEUES],
    ) as runtime:
        runtime.spawn(
            every(
                settings.portal_purge_interval_seconds,
                lambda: purge_now(runtime.sessions, settings, lambda: app_now(app)),
                "access purge",
            ),
            "portal-purge",
        )
        yield runtime


def build_app(settings: PortalSettings) -> FastAPI:
    routers = [
        link_requests.router,
        access.router,
        statement.router,
        actions.router,
        payments.router,
        staff.router,
    ]
    if settings.payment_provider == "sandbox":
        routers.append(payments.sandbox)
    app = create_app(
        settings,
        title="Encaisse portal",
        description="The debtors' portal (HTML pages) and its staff API under /staff "
        "(bearer token).",
        routers=routers,
        start=lambda s: bootstrap(s, app),
        public=True,
    )
    app.state.payment_provider = provider_from(
        settings.payment_provider, settings.payment_sandbox_secret
    )
    install_pages(app, settings.portal_attachment_max_bytes)
    redact.install()

    @app.exception_handler(NotSignedIn)
    async def not_signed_in(request: Request, exc: NotSignedIn) -> HTMLResponse:
        return access.invalid_link_page(request, 401)

    @app.exception_handler(BadCsrf)
    async def bad_csrf(request: Request, exc: BadCsrf) -> HTMLResponse:
        return render(request, "forbidden.html", access._lang(request), status_code=403)

    return app
