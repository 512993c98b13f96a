"""Composition root of the ledger."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from pathlib import Path

from fastapi import FastAPI

from encaisse.kit.app import create_app
from encaisse.kit.clock import Clock
from encaisse.kit.runtime import Runtime, start_runtime
from encaisse.ledger import db
from encaisse.ledger.domain import DSO_METHOD
from encaisse.ledger.handlers import QUEUES, handlers
from encaisse.ledger.settings import LedgerSettings

MIGRATIONS = Path(__file__).resolve().parents[3] / "migrations"

DESCRIPTION = f"""Customers, invoices and payments, mirrored from the accounting system;
the source of the `ledger.*` events. Staff bearer token required; every record belongs
to the token's tenant.

**DSO method** (`GET /v1/receivables/dso`): {DSO_METHOD}
"""


@dataclass(frozen=True)
class LedgerParts:
    """What the ledger's routes, handler and import work with, bound once."""

    settings: LedgerSettings  # the runtime's, typed as the ledger's own (import limits)
    clock: Clock  # the runtime's: the events' time, the business day of the figures


def bootstrap(
    settings: LedgerSettings, clock: Clock | None = None
) -> AbstractAsyncContextManager[Runtime[LedgerParts]]:
    return start_runtime(
        settings,
        outbox=db.outbox,
        inbox=db.inbox,
        parts=lambda runtime: LedgerParts(settings=settings, clock=runtime.clock),
        consumers=lambda parts: [(spec, handlers(parts)) for spec in QUEUES],
        clock=clock,
    )


def build_app(settings: LedgerSettings, clock: Clock | None = None) -> FastAPI:
    from encaisse.ledger.api import ROUTERS  # here: the routes' dependencies import the parts

    return create_app(
        settings,
        title="Encaisse ledger",
        description=DESCRIPTION,
        routers=ROUTERS,
        start=lambda settings: bootstrap(settings, clock),
    )
