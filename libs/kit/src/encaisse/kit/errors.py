"""Error shapes: a 422 names the field at fault, in FastAPI's own ``detail`` format.

A request that cannot reach the database (refused, cut, the pool exhausted, the server
starting or stopping) answers 503 in the same shape, with ``Retry-After``: the client, a
load balancer or the console tries again; it is not a bug of the request.
"""

from __future__ import annotations

import asyncpg
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy import exc as sa_exc

RETRY_AFTER_SECONDS = 5

_UNREACHABLE = (
    ConnectionError,
    TimeoutError,
    sa_exc.TimeoutError,
    asyncpg.PostgresConnectionError,
    asyncpg.ConnectionDoesNotExistError,
)


class DomainError(Exception):
    """A business rule refused the input. ``field`` is the location, as FastAPI gives it."""

    status_code = 422

    def __init__(self, field: str | tuple[str | int, ...], message: str, kind: str = "value_error"):
        super().__init__(message)
        self.loc = (field,) if isinstance(field, str) else field
        self.message = message
        self.kind = kind


class NotFound(DomainError):
    status_code = 404


class Conflict(DomainError):
    status_code = 409


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
            {"detail": [{"loc": list(exc.loc), "msg": exc.message, "type": exc.kind}]},
            status_code=exc.status_code,
        )
