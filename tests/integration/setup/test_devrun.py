"""``make run`` as a newcomer reads it: one line once every service answers, and a guide
to the development tools, with the staff tokens actually in force."""

from __future__ import annotations

import asyncio
import importlib.util
import json
from pathlib import Path

from fastapi import FastAPI, Response

from support.http import free_port, serve

ROOT = Path(__file__).resolve().parents[3]
_spec = importlib.util.spec_from_file_location("devrun", ROOT / "scripts/devrun.py")
devrun = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(devrun)
NAMES = list(devrun.PORTS)


def test_the_guide_names_the_development_tools_and_the_tokens_in_force():
    text = devrun.guide({"ENCAISSE_STAFF_TOKENS": json.dumps(devrun.TOKENS)}, NAMES)
    for needed in (
        "http://127.0.0.1:8102/docs",
        "dev-admin-token",
        "dev-viewer-token",
        "/dev/mailbox",
        "http://127.0.0.1:8190/_sandbox/sendings",
        "/v1/clock/advance",
        "/staff/links",
        "CUST-017",
        "dev-webhook-secret",
    ):
        assert needed in text, needed
    own = {
        "a-long-secret-token-of-production-kind": {
            "role": "admin",
            "tenant": "ACME",
            "name": "Alice",
        }
    }
    text = devrun.guide({"ENCAISSE_STAFF_TOKENS": json.dumps(own)}, NAMES)
    assert "Alice" in text and "ACME" in text and "admin" in text
    assert "a-long-secret-token" not in text and "dev-admin-token" not in text
    assert "not shown" in text and "<an admin token>" in text


def _service(ready_after: int) -> FastAPI:
    app, asked = FastAPI(), []

    @app.get("/readyz")
    async def readyz() -> Response:
        asked.append(1)
        return Response(status_code=200 if len(asked) > ready_after else 503)

    return app


async def test_one_line_says_when_every_service_answers(capsys):
    ports = {"ledger": free_port(), "scheduler": free_port()}
    async with serve(_service(0), ports["ledger"]), serve(_service(3), ports["scheduler"]):
        ready = await asyncio.to_thread(devrun.announce, ports, {}, poll=0.05, timeout=20)
    out = capsys.readouterr().out
    assert ready and out.count("Encaisse is ready") == 1
    assert "every service answers" in out and "/dev/mailbox" in out
    async with serve(_service(10_000), ports["ledger"]):
        ready = await asyncio.to_thread(
            devrun.announce, {"ledger": ports["ledger"]}, {}, poll=0.05, timeout=0.5
        )
    out = capsys.readouterr().out
    assert not ready and "not ready after" in out and "ledger" in out
    assert "Encaisse is ready" not in out


def test_the_readme_says_where_the_development_tools_are():
    readme = (ROOT / "README.md").read_text()
    for needed in (
        "/dev/mailbox",
        "_sandbox/sendings",
        "/v1/clock/advance",
        "/staff/links",
        "dev-webhook-secret",
        "Encaisse is ready",
    ):
        assert needed in readme, needed
