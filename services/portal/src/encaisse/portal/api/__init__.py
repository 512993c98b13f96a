"""The portal's HTTP routers: one per resource (the sandbox's only with that provider)."""

from fastapi import APIRouter

from encaisse.portal.api import (
    access,
    disputes,
    link_requests,
    payments,
    plans,
    promises,
    sandbox,
    staff,
    statement,
)

ROUTERS: list[APIRouter] = [
    link_requests.router,
    access.router,
    statement.router,
    disputes.router,
    promises.router,
    plans.router,
    payments.router,
    staff.router,
]
SANDBOX: APIRouter = sandbox.router
