"""Composition root of the notifier."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
from fastapi import FastAPI

from encaisse.kit.app import create_app
from encaisse.kit.runtime import Runtime, start_runtime
from encaisse.notifier import db
from encaisse.notifier.api import dev, messages, templates, webhooks
from encaisse.notifier.handlers import QUEUES, build_handlers
from encaisse.notifier.mail import SmtpPool
from encaisse.notifier.sending import Sender
from encaisse.notifier.settings import NotifierSettings
from encaisse.notifier.sms import HttpSms, SandboxSms, SmsProvider

MIGRATIONS = Path(__file__).resolve().parents[3] / "migrations"


def sms_provider(settings: NotifierSettings, http: httpx.AsyncClient) -> SmsProvider:
    if settings.sms_provider == "http":
        if not settings.sms_api_url:
            raise ValueError("ENCAISSE_SMS_API_URL is required with the http SMS provider")
        return HttpSms(settings.sms_api_url, settings.sms_api_key, http)
    return SandboxSms()


@asynccontextmanager
async def bootstrap(settings: NotifierSettings) -> AsyncIterator[Runtime[None]]:
    """Database, bus (command consumer, outbox relay) and the sending loop."""
    async with (
        start_runtime(
            settings,
            outbox=db.outbox,
            inbox=db.inbox,
            parts=lambda _: None,
            consumers=lambda _: [(spec, build_handlers(settings)) for spec in QUEUES],
        ) as runtime,
        httpx.AsyncClient(timeout=settings.smtp_timeout_seconds) as http,
    ):
        pool = SmtpPool(settings)
        sender = Sender(
            settings, runtime.engine, db.outbox, pool, sms_provider(settings, http), http
        )
        task = asyncio.create_task(sender.run(), name="sending-loop")
        try:
            yield runtime
        finally:
            sender.stop()
            await task
            await pool.close()


def build_app(settings: NotifierSettings) -> FastAPI:
    routers = [messages.router, templates.router, webhooks.router]
    if settings.simulation:
        routers.append(dev.router)
    return create_app(
        settings,
        title="Encaisse notifier",
        description="Emails and SMS from templates, their evidence and delivery reports. "
        "Staff bearer token required, except provider webhooks (signed).",
        routers=routers,
        start=bootstrap,
    )
