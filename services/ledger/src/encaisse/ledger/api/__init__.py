"""The ledger's HTTP API, one router per resource."""

from fastapi import APIRouter

from encaisse.ledger.api import customers, imports, invoices, payments, receivables

ROUTERS: tuple[APIRouter, ...] = (
    customers.router,
    invoices.router,
    payments.router,
    imports.router,
    receivables.router,
)
