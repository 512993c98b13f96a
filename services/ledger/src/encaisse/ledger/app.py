"""Composition root of the ledger."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from encaisse.kit.app import create_app
from encaisse.kit.runtime import start_runtime
from encaisse.kit.settings import ServiceSettings
from encaisse.ledger import db
from encaisse.ledger.handlers import HANDLERS, QUEUES

MIGRATIONS = Path(__file__).resolve().parents[3] / "migrations"


def bootstrap(settings: ServiceSettings):
    return start_runtime(
        settings, outbox=db.outbox, inbox=db.inbox,
        consumers=[(spec, HANDLERS) for spec in QUEUES],
    )


def build_app(settings: ServiceSettings) -> FastAPI:
    return create_app(
        settings,
        title="Encaisse ledger",
        description="Customers, invoices and payments. Staff bearer token required.",
        routers=[],
        start=bootstrap,
    )
