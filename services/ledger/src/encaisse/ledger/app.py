"""Composition root of the ledger."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from pathlib import Path

from fastapi import FastAPI

from encaisse.kit.app import create_app
from encaisse.kit.runtime import Runtime, start_runtime
from encaisse.kit.settings import ServiceSettings
from encaisse.ledger import db
from encaisse.ledger.api import customers, imports, invoices, payments, receivables
from encaisse.ledger.domain import DSO_METHOD
from encaisse.ledger.handlers import HANDLERS, QUEUES

MIGRATIONS = Path(__file__).resolve().parents[3] / "migrations"

DESCRIPTION = f"""Customers, invoices and payments, mirrored from the accounting system;
the source of the `ledger.*` events. Staff bearer token required; every record belongs
to the token's tenant.

**DSO method** (`GET /v1/receivables/dso`): {DSO_METHOD}
"""


def bootstrap(settings: ServiceSettings) -> AbstractAsyncContextManager[Runtime[None]]:
    return start_runtime(
        settings,
        outbox=db.outbox,
        inbox=db.inbox,
        parts=lambda _: None,
        consumers=lambda _: [(spec, HANDLERS) for spec in QUEUES],
    )


def build_app(settings: ServiceSettings) -> FastAPI:
    return create_app(
        settings,
        title="Encaisse ledger",
        description=DESCRIPTION,
        routers=[
            customers.router,
            invoices.router,
            payments.router,
            imports.router,
            receivables.router,
        ],
        start=bootstrap,
    )
