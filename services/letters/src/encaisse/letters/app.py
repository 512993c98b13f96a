"""Composition root of the letters service."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI

from encaisse.kit.app import create_app
from encaisse.kit.runtime import Runtime, start_runtime
from encaisse.letters import db
from encaisse.letters.api import letters, postal
from encaisse.letters.domain.rates import bundled_rates
from encaisse.letters.handlers import QUEUES, handlers
from encaisse.letters.mailroom import Mailroom
from encaisse.letters.postal.client import HttpPostalProvider
from encaisse.letters.postal.dispatch import Dispatcher
from encaisse.letters.postal.tracking import Tracker
from encaisse.letters.settings import LettersSettings
from encaisse.letters.storage import FileStorage

MIGRATIONS = Path(__file__).resolve().parents[3] / "migrations"


@asynccontextmanager
async def bootstrap(settings: LettersSettings, app: FastAPI) -> AsyncIterator[Runtime[None]]:
    """Wire storage, provider and rates; consume commands; dispatch and track sendings."""
    webhook = (
        settings.postal_webhook_url
        or f"http://{settings.http_host}:{settings.http_port}/v1/postal/webhook"
    )
    provider = HttpPostalProvider(settings.postal_url, settings.postal_api_key, webhook_url=webhook)
    room = Mailroom(settings, FileStorage(settings.storage_dir), provider, bundled_rates())
    try:
        async with start_runtime(
            settings,
            outbox=db.outbox,
            inbox=db.inbox,
            parts=lambda _: None,
            consumers=lambda _: [(spec, handlers(room)) for spec in QUEUES],
        ) as runtime:
            tracker = Tracker(runtime.sessions, room)
            app.state.mailroom, app.state.tracker = room, tracker
            runtime.spawn(Dispatcher(runtime.sessions, room).run(), "letters-dispatch")
            runtime.spawn(tracker.run(), "letters-tracking")
            yield runtime
    finally:
        await provider.close()


def build_app(settings: LettersSettings) -> FastAPI:
    app = create_app(
        settings,
        title="Encaisse letters",
        description="PDF letters and registered letters through a postal provider, with their "
        "proofs. Staff bearer token required.",
        routers=[letters.router, postal.router],
        start=lambda s: bootstrap(s, app),
    )
    return app
