"""Composition root of the portal."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse

from encaisse.kit.app import create_app
from encaisse.kit.clock import Clock
from encaisse.kit.runtime import Runtime, start_runtime
from encaisse.portal import db, redact
from encaisse.portal.api import ROUTERS, SANDBOX
from encaisse.portal.api.access import invalid_link_page, page_language
from encaisse.portal.api.deps import BadCsrf, NotSignedIn
from encaisse.portal.handlers import QUEUES, handlers
from encaisse.portal.payments import PaymentProvider, provider_from
from encaisse.portal.settings import PortalSettings
from encaisse.portal.usecases.purge import purge_now
from encaisse.portal.web import install_pages, render

MIGRATIONS = Path(__file__).resolve().parents[3] / "migrations"


@dataclass(frozen=True)
class PortalParts:
    """The portal's own dependencies, bound once: its routes read them through ``deps``."""

    payment_provider: PaymentProvider


def bootstrap(
    settings: PortalSettings, clock: Clock | None = None
) -> AbstractAsyncContextManager[Runtime[PortalParts]]:
    """Database, bus (the read model's consumers, the outbox relay) and the access
    tables' purge (``portal-purge``, at start and every interval)."""

    @asynccontextmanager
    async def running() -> AsyncIterator[Runtime[PortalParts]]:
        async with start_runtime(
            settings,
            outbox=db.outbox,
            inbox=db.inbox,
            parts=lambda _: PortalParts(
                payment_provider=provider_from(
                    settings.payment_provider, settings.payment_sandbox_secret
                )
            ),
            consumers=lambda parts: [(spec, handlers(parts)) for spec in QUEUES],
            clock=clock,
        ) as runtime:
            runtime.every(
                settings.portal_purge_interval_seconds,
                lambda: purge_now(
                    runtime.sessions, runtime.clock, settings.portal_purge_batch_size
                ),
                "portal purge",
            )
            yield runtime

    return running()


def build_app(settings: PortalSettings, clock: Clock | None = None) -> FastAPI:
    routers = [*ROUTERS, SANDBOX] if settings.payment_provider == "sandbox" else ROUTERS
    app = create_app(
        settings,
        title="Encaisse portal",
        description="The debtors' portal (HTML pages) and its staff API under /staff "
        "(bearer token).",
        routers=routers,
        start=lambda settings: bootstrap(settings, clock),
        public=True,
    )
    install_pages(app, settings.portal_attachment_max_bytes)
    redact.install()

    @app.exception_handler(NotSignedIn)
    async def not_signed_in(request: Request, exc: NotSignedIn) -> HTMLResponse:
        return invalid_link_page(request, 401)

    @app.exception_handler(BadCsrf)
    async def bad_csrf(request: Request, exc: BadCsrf) -> HTMLResponse:
        return render(request, "forbidden.html", page_language(request), status_code=403)

    return app
