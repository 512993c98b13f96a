"""Composition root of the letters service."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from fastapi import FastAPI

from encaisse.kit.app import create_app
from encaisse.kit.clock import Clock
from encaisse.kit.runtime import Runtime, start_runtime
from encaisse.letters import db
from encaisse.letters.domain.rates import RateTable, bundled_rates
from encaisse.letters.handlers import QUEUES, handlers
from encaisse.letters.postal.client import HttpPostalProvider
from encaisse.letters.settings import LettersSettings
from encaisse.letters.storage import FileStorage, Storage
from encaisse.letters.usecases.dispatch import Dispatcher
from encaisse.letters.usecases.mailroom import Mailroom
from encaisse.letters.usecases.tracking import Tracker

MIGRATIONS = Path(__file__).resolve().parents[3] / "migrations"


@dataclass(frozen=True)
class LettersParts:
    """What the letters' handler, routes and jobs work with, bound once."""

    settings: LettersSettings
    clock: Clock  # the runtime's
    mailroom: Mailroom  # the sender, the day, portal links
    storage: Storage  # the PDFs and proofs
    provider: HttpPostalProvider
    rates: RateTable
    dispatcher: Dispatcher  # hands ready letters to the provider (a job)
    tracker: Tracker  # follows sendings (a job, and the provider's webhook)


def _parts(
    settings: LettersSettings, provider: HttpPostalProvider, runtime: Runtime[None]
) -> LettersParts:
    storage = FileStorage(settings.storage_dir)
    clock = runtime.clock
    return LettersParts(
        settings=settings,
        clock=clock,
        mailroom=Mailroom(settings, clock),
        storage=storage,
        provider=provider,
        rates=bundled_rates(),
        dispatcher=Dispatcher(runtime.sessions, clock, settings, storage, provider),
        tracker=Tracker(runtime.sessions, clock, settings, storage, provider),
    )


@asynccontextmanager
async def bootstrap(
    settings: LettersSettings, clock: Clock | None = None
) -> AsyncIterator[Runtime[LettersParts]]:
    """Consume commands; dispatch and track sendings; the provider closed at the end."""
    webhook = (
        settings.postal_webhook_url
        or f"http://{settings.http_host}:{settings.http_port}/v1/postal/webhook"
    )
    provider = HttpPostalProvider(settings.postal_url, settings.postal_api_key, webhook_url=webhook)
    try:
        async with start_runtime(
            settings,
            outbox=db.outbox,
            inbox=db.inbox,
            parts=lambda runtime: _parts(settings, provider, runtime),
            consumers=lambda parts: [(spec, handlers(parts)) for spec in QUEUES],
            clock=clock,
        ) as runtime:
            parts = runtime.parts
            runtime.every(
                settings.dispatch_idle_seconds,
                parts.dispatcher.dispatch_one,
                "dispatching letters",
            )
            runtime.every(
                settings.postal_poll_seconds, parts.tracker.track_due, "tracking sendings"
            )
            yield runtime
    finally:
        await provider.close()


def build_app(settings: LettersSettings, clock: Clock | None = None) -> FastAPI:
    from encaisse.letters.api import ROUTERS  # here: the routes' dependencies import the parts

    return create_app(
        settings,
        title="Encaisse letters",
        description="PDF letters and registered letters through a postal provider, with their "
        "proofs. Staff bearer token required.",
        routers=ROUTERS,
        start=lambda settings: bootstrap(settings, clock),
    )
