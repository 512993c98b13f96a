"""Error shapes: a 422 names the field at fault, in FastAPI's own ``detail`` format."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse


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


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def domain_error(request: Request, exc: DomainError) -> JSONResponse:
        return JSONResponse(
            {"detail": [{"loc": list(exc.loc), "msg": exc.message, "type": exc.kind}]},
            status_code=exc.status_code,
        )
