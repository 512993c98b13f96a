"""Building a service's FastAPI app and starting it from ``python -m encaisse.<name>``."""

from __future__ import annotations

import argparse
import asyncio
import os
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any, TypeVar

import uvicorn
from fastapi import APIRouter, FastAPI
from prometheus_client import start_http_server
from pydantic import ValidationError

from encaisse.bus.publisher import connect
from encaisse.kit.auth import TokenDirectory
from encaisse.kit.errors import install_error_handlers
from encaisse.kit.http import install_edges
from encaisse.kit.logs import configure_logging
from encaisse.kit.migrations import upgrade
from encaisse.kit.runtime import Runtime, declare_topology
from encaisse.kit.settings import ServiceSettings

Starter = Callable[[Any], AbstractAsyncContextManager[Runtime[Any]]]
"""A service's ``bootstrap``: its own settings class in, its runtime out."""


def create_app(
    settings: ServiceSettings,
    *,
    title: str,
    description: str,
    routers: Sequence[APIRouter],
    start: Starter,
    public: bool = False,
) -> FastAPI:
    """An app with the service's routers and the shared edges. Nothing connects until started.

    ``public``: reached from the internet (the portal): no API documentation outside
    development, metrics only on ``ENCAISSE_METRICS_PORT``, HSTS (``install_edges``).
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        with metrics_server(settings):
            async with start(settings) as runtime:
                app.state.runtime = runtime
                yield

    hidden = public and settings.env != "development"
    app = FastAPI(
        title=title,
        description=description,
        version="1.0.0",
        lifespan=lifespan,
        docs_url=None if hidden else "/docs",
        redoc_url=None if hidden else "/redoc",
        openapi_url=None if hidden else "/openapi.json",
    )
    app.state.settings = settings
    app.state.tokens = TokenDirectory(settings.staff_tokens)
    install_edges(app, public=public)
    install_error_handlers(app)
    for router in routers:
        app.include_router(router)
    return app


@contextmanager
def metrics_server(settings: ServiceSettings) -> Iterator[None]:
    """``/metrics`` on ``ENCAISSE_METRICS_PORT`` too, when set (a port of its own)."""
    if settings.metrics_port is None:
        yield
        return
    server, thread = start_http_server(settings.metrics_port, addr=settings.http_host)
    try:
        yield
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


async def _declare_topology(amqp_url: str) -> None:
    """``migrate`` also lays out the broker: every Encaisse queue exists before the first
    service publishes, whatever the order of deployment."""
    connection = await connect(amqp_url)
    try:
        await declare_topology(connection)
    finally:
        await connection.close()


S = TypeVar("S", bound=ServiceSettings)


def _settings(settings_class: type[S]) -> S:
    """The service's settings, or an exit naming each setting at fault (no traceback)."""
    try:
        return settings_class()
    except ValidationError as exc:
        lines = [
            (f"ENCAISSE_{'_'.join(map(str, e['loc'])).upper()}: " if e["loc"] else "")
            + e["msg"].removeprefix("Value error, ")
            for e in exc.errors()
        ]
        raise SystemExit(
            f"encaisse.{settings_class.service_name} refuses to start:\n  " + "\n  ".join(lines)
        ) from None


def main(
    settings_class: type[S],
    app_factory: Callable[[S], FastAPI],
    migrations_dir: Path,
    argv: Sequence[str] | None = None,
) -> None:
    """``python -m encaisse.<name> [serve|migrate]``."""
    parser = argparse.ArgumentParser(prog=f"python -m encaisse.{settings_class.service_name}")
    parser.add_argument("command", nargs="?", default="serve", choices=["serve", "migrate"])
    args = parser.parse_args(argv)
    settings = _settings(settings_class)
    configure_logging(
        settings.log_level, json=settings.log_json, service=settings_class.service_name
    )
    if args.command == "migrate":
        # an installed image keeps its migrations beside the code, not in a checkout
        upgrade(
            Path(os.environ.get("ENCAISSE_MIGRATIONS_DIR", migrations_dir)), settings.database_url
        )
        asyncio.run(_declare_topology(settings.amqp_url))
        return
    app = app_factory(settings)
    config = uvicorn.Config(
        app,
        host=settings.http_host,
        port=settings.http_port,
        log_config=None,
        access_log=False,
        lifespan="on",
    )
    asyncio.run(uvicorn.Server(config).serve())
