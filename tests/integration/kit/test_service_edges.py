"""The edges every service has, shown on the ledger: health, readiness, metrics, auth, start-up."""

from __future__ import annotations

import asyncio
import os
import sys

from fastapi import APIRouter

from encaisse.kit.auth import Admin, Collector, Viewer
from support.http import client, free_port, wait_ready
from support.services import TOKENS, service_app, settings_env


async def test_health_readiness_and_metrics(database_url, amqp_url):
    app = await service_app("ledger", database_url, amqp_url)
    async with client(app) as http:
        assert (await http.get("/healthz")).json() == {"status": "ok"}
        ready = await http.get("/readyz")
        assert ready.status_code == 200
        assert ready.json()["checks"] == {"database": True, "broker": True}
        metrics = await http.get("/metrics")
        assert "encaisse_http_requests_total" in metrics.text
        assert (await http.get("/openapi.json")).json()["info"]["title"] == "Encaisse ledger"


async def test_readiness_fails_when_the_broker_is_gone(database_url, amqp_url):
    app = await service_app("ledger", database_url, amqp_url)
    async with client(app) as http:
        await app.state.runtime.connection.close()
        ready = await http.get("/readyz")
        assert ready.status_code == 503
        assert ready.json()["checks"]["broker"] is False


async def test_staff_tokens_roles_and_tenant(database_url, amqp_url):
    app = await service_app("ledger", database_url, amqp_url)
    router = APIRouter()

    @router.get("/probe/viewer")
    async def viewer(staff: Viewer):
        return {"tenant": staff.tenant, "role": staff.role}

    @router.post("/probe/collector")
    async def collector(staff: Collector):
        return {"ok": True}

    @router.delete("/probe/admin")
    async def admin(staff: Admin):
        return {"ok": True}

    app.include_router(router)
    async with client(app) as http:
        assert (await http.get("/probe/viewer")).status_code == 401
        bad = await http.get("/probe/viewer", headers={"Authorization": "Bearer nope"})
        assert bad.status_code == 401
        auth = {"Authorization": "Bearer viewer-token"}
        assert (await http.get("/probe/viewer", headers=auth)).json() == {
            "tenant": "ACME",
            "role": "viewer",
        }
        assert (await http.post("/probe/collector", headers=auth)).status_code == 403
        auth = {"Authorization": "Bearer collector-token"}
        assert (await http.post("/probe/collector", headers=auth)).status_code == 200
        assert (await http.delete("/probe/admin", headers=auth)).status_code == 403
        auth = {"Authorization": "Bearer other-admin-token"}
        assert (await http.get("/probe/viewer", headers=auth)).json()["tenant"] == "OTHER"
        assert TOKENS["other-admin-token"]["role"] == "admin"


async def test_python_m_starts_the_service_from_the_environment(database_url, amqp_url):
    await service_app("ledger", database_url, amqp_url)  # migrated
    port = free_port()
    env = dict(os.environ, **settings_env(database_url, amqp_url), ENCAISSE_HTTP_PORT=str(port))
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "encaisse.ledger",
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        await wait_ready(f"http://127.0.0.1:{port}")
    finally:
        proc.terminate()
        output, _ = await proc.communicate()
    # uvicorn shuts down gracefully, then re-raises SIGTERM as its exit status
    assert proc.returncode in (0, -15), output.decode()
    assert b"Application shutdown complete" in output
    assert b'"service": "ledger"' in output  # JSON logs
