"""Error shapes: a 422 names the field at fault, in FastAPI's own ``detail`` format.

Domain errors (``encaisse.kit.failures``) carry a field path only; here they get their
status (422, 404, 409) and their location in the request.

A request that cannot reach the database (refused, cut, the pool exhausted, the server
starting or stopping) answers 503 in the same shape, with ``Retry-After``: the client, a
load balancer or the console tries again; it is not a bug of the request.
"""

from __future__ import annotations

import asyncpg
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy import exc as sa_exc

from encaisse.kit.failures import Conflict, DomainError, NotFound

RETRY_AFTER_SECONDS = 5

_UNREACHABLE = (
    ConnectionError,
    TimeoutError,
    sa_exc.TimeoutError,
    asyncpg.PostgresConnectionError,
    asyncpg.ConnectionDoesNotExistError,
)


STATUS = {NotFound: 404, Conflict: 409, DomainError: 422}


def location(request: Request, exc: DomainError) -> list[str | int]:
    """Where the field at fault came from: a path parameter, a query parameter, or the body."""
    head = exc.field[0] if exc.field else None
    if head in request.path_params:
        return ["path", *exc.field]
    if head in request.query_params:
        return ["query", *exc.field]
    return ["body", *exc.field]


def database_unreachable(exc: BaseException) -> bool:
    """Whether ``exc`` says the database cannot be reached now, rather than a query is wrong."""
    if isinstance(exc, sa_exc.DBAPIError):
        return exc.connection_invalidated or isinstance(exc.orig, _UNREACHABLE)
    return isinstance(exc, _UNREACHABLE)


def unavailable(message: str) -> JSONResponse:
    return JSONResponse(
        {"detail": [{"loc": [], "msg": message, "type": "service_unavailable"}]},
        status_code=503,
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


def install_error_handlers(app: FastAPI) -> None:
    async def outage(request: Request, exc: Exception) -> JSONResponse:
        if not database_unreachable(exc):
            raise exc
        return unavailable("the database is unavailable; try again shortly")

    for kind in (*_UNREACHABLE, sa_exc.DBAPIError):
        app.add_exception_handler(kind, outage)

    @app.exception_handler(DomainError)
    async def domain_error(request: Request, exc: DomainError) -> JSONResponse:
        return JSONResponse(
            {"detail": [{"loc": location(request, exc), "msg": exc.message, "type": exc.kind}]},
            status_code=next(code for kind, code in STATUS.items() if isinstance(exc, kind)),
        )
