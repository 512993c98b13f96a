"""Starting a service's app against this run's database and a vhost."""

from __future__ import annotations

import asyncio
import importlib
import json
from typing import Any

from encaisse.kit.migrations import upgrade

TENANT = "ACME"
TOKENS = {
    "admin-token": {"role": "admin", "tenant": TENANT, "name": "Alice Admin"},
    "collector-token": {"role": "collector", "tenant": TENANT, "name": "Colin Collector"},
    "viewer-token": {"role": "viewer", "tenant": TENANT, "name": "Victor Viewer"},
    "other-admin-token": {"role": "admin", "tenant": "OTHER", "name": "Olga Other"},
}

_migrated: set[tuple[str, str]] = set()


async def migrate(service: str, database_url: str) -> None:
    """Apply a service's migrations to the run's database (once per run)."""
    if (service, database_url) in _migrated:
        return
    app = importlib.import_module(f"encaisse.{service}.app")
    await asyncio.to_thread(upgrade, app.MIGRATIONS, database_url)
    _migrated.add((service, database_url))


def settings_env(database_url: str, amqp_url: str, **extra: Any) -> dict[str, str]:
    """Environment variables for a service under test (also for subprocesses)."""
    env = {
        "ENCAISSE_DATABASE_URL": database_url,
        "ENCAISSE_AMQP_URL": amqp_url,
        "ENCAISSE_STAFF_TOKENS": json.dumps(TOKENS),
        "ENCAISSE_RETRY_DELAYS_MS": "[200, 400]",
        "ENCAISSE_RELAY_IDLE_SECONDS": "0.02",
        "ENCAISSE_LOG_JSON": "true",
        "ENCAISSE_ENV": "development",
    }
    env.update(
        {
            f"ENCAISSE_{k.upper()}": (v if isinstance(v, str) else json.dumps(v))
            for k, v in extra.items()
        }
    )
    return env


async def service_app(
    service: str, database_url: str, amqp_url: str, monkeypatch=None, clock=None, **extra: Any
):
    """Migrate, then build the service's app with settings read from the environment
    (and ``clock``, a ``SettableClock``, when the test sets the time)."""
    await migrate(service, database_url)
    app_module = importlib.import_module(f"encaisse.{service}.app")
    settings_module = importlib.import_module(f"encaisse.{service}.settings")
    settings_class = next(  # the class the service defines, not those it imports from kit
        v
        for k, v in vars(settings_module).items()
        if k.endswith("Settings") and getattr(v, "__module__", "") == settings_module.__name__
    )
    settings = settings_class(
        _env_file=None, **_fields(settings_env(database_url, amqp_url, **extra))
    )
    if clock is None:
        return app_module.build_app(settings)
    return app_module.build_app(settings, clock=clock)


def _fields(env: dict[str, str]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for key, value in env.items():
        name = key.removeprefix("ENCAISSE_").lower()
        try:
            fields[name] = json.loads(value)
        except json.JSONDecodeError:
            fields[name] = value
    return fields
