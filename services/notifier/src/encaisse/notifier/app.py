"""Composition root of the notifier."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import httpx
from fastapi import FastAPI

from encaisse.kit.app import create_app
from encaisse.kit.clock import Clock
from encaisse.kit.runtime import Runtime, start_runtime
from encaisse.notifier import db
from encaisse.notifier.bounces import process_maildir
from encaisse.notifier.handlers import QUEUES, handlers
from encaisse.notifier.mail import SmtpPool
from encaisse.notifier.sending import RECONCILE_SECONDS, SendingPool, reconcile
from encaisse.notifier.settings import NotifierSettings
from encaisse.notifier.sms import HttpSms, SandboxSms, SmsProvider

MIGRATIONS = Path(__file__).resolve().parents[3] / "migrations"


@dataclass(frozen=True)
class NotifierParts:
    """The notifier's own dependencies, bound once: read by its handlers and routes."""

    settings: NotifierSettings
    clock: Clock
    smtp_pool: SmtpPool
    sms: SmsProvider
    http: httpx.AsyncClient  # fetches the invoice PDFs attached; the HTTP SMS provider's
    sending: SendingPool


def sms_provider(settings: NotifierSettings, http: httpx.AsyncClient) -> SmsProvider:
    if settings.sms_provider == "http":
        if not settings.sms_api_url:
            raise ValueError("ENCAISSE_SMS_API_URL is required with the http SMS provider")
        return HttpSms(settings.sms_api_url, settings.sms_api_key, http)
    return SandboxSms()


def notifier_parts(
    settings: NotifierSettings, http: httpx.AsyncClient, runtime: Runtime[None]
) -> NotifierParts:
    smtp_pool = SmtpPool(settings)
    sms = sms_provider(settings, http)
    sending = SendingPool(settings, runtime.sessions, runtime.clock, smtp_pool, sms, http)
    return NotifierParts(settings, runtime.clock, smtp_pool, sms, http, sending)


@asynccontextmanager
async def bootstrap(
    settings: NotifierSettings, clock: Clock | None = None
) -> AsyncIterator[Runtime[NotifierParts]]:
    """Database, bus (command consumer, outbox relay), the sending pool, and the
    housekeeping: reconciling what a stopped sender left, reading the bounce mailbox."""
    async with (
        httpx.AsyncClient(timeout=settings.smtp_timeout_seconds) as http,
        start_runtime(
            settings,
            outbox=db.outbox,
            inbox=db.inbox,
            parts=partial(notifier_parts, settings, http),
            consumers=lambda parts: [(spec, handlers(parts)) for spec in QUEUES],
            clock=clock,
        ) as runtime,
    ):
        parts = runtime.parts
        sending = runtime.spawn(parts.sending.run(), "sending-pool")
        runtime.every(
            RECONCILE_SECONDS,
            partial(reconcile, runtime.sessions),
            "reconciling messages left during DATA",
        )
        bounce_maildir = settings.bounce_maildir
        if bounce_maildir is not None:
            runtime.every(
                settings.bounce_poll_seconds,
                partial(process_maildir, bounce_maildir, runtime.sessions),
                "reading the bounce mailbox",
            )
        try:
            yield runtime
        finally:
            parts.sending.stop()  # the messages in flight finish
            await sending
            await parts.smtp_pool.close()


def build_app(settings: NotifierSettings, clock: Clock | None = None) -> FastAPI:
    from encaisse.notifier.api import DEV_ROUTERS, ROUTERS  # the routes read NotifierParts

    return create_app(
        settings,
        title="Encaisse notifier",
        description="Emails and SMS from templates, their evidence and delivery reports. "
        "Staff bearer token required, except provider webhooks (signed).",
        routers=[*ROUTERS, *(DEV_ROUTERS if settings.simulation else ())],
        start=partial(bootstrap, clock=clock),
    )
