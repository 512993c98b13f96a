"""SMS through the HTTP provider adapter, against a provider served over real HTTP."""

from __future__ import annotations

from fastapi import FastAPI, Header, Request
from fastapi.responses import JSONResponse
from notifier_helpers import Bus, email_command, eventually, running_notifier

from encaisse.contracts.notifier import FailureReason, SendSms
from support.http import serve
from support.services import TENANT


def provider() -> tuple[FastAPI, list[dict]]:
    app, calls = FastAPI(), []
    busy = {"+33700000000": 1}

    @app.post("/messages")
    async def messages(
        request: Request, idempotency_key: str = Header(), authorization: str = Header()
    ) -> JSONResponse:
        body = await request.json()
        calls.append({"key": idempotency_key, "auth": authorization, **body})
        if body["to"].startswith("+999"):
            return JSONResponse({"error": "unknown number"}, status_code=400)
        if busy.get(body["to"], 0) > 0:
            busy[body["to"]] -= 1
            return JSONResponse({"error": "try later"}, status_code=503)
        return JSONResponse({"id": f"prov-{len(calls)}"}, status_code=201)

    return app, calls


async def test_http_provider_sends_retries_and_reports(database_url, amqp_url, smtp):
    app, calls = provider()
    base = email_command()
    async with (
        serve(app) as url,
        running_notifier(
            database_url,
            amqp_url,
            smtp,
            sms_provider="http",
            sms_api_url=url,
            sms_api_key="provider-key",
        ) as http,
        Bus(amqp_url) as bus,
    ):
        for key, number in (
            ("s-ok", "+33612345678"),
            ("s-busy", "+33700000000"),
            ("s-unknown", "+999000000"),
        ):
            await bus.send(
                SendSms(
                    tenant=TENANT,
                    idempotency_key=key,
                    template="thank_you",
                    debtor=base.debtor,
                    to=number,
                )
            )
        await eventually(
            lambda: len(bus.of_type("message.sent.v1")) == 2 and bus.of_type("message.failed.v1")
        )
        assert sorted(e.command_key for e in bus.of_type("message.sent.v1")) == ["s-busy", "s-ok"]
        (failed,) = bus.of_type("message.failed.v1")
        assert (failed.command_key, failed.reason) == ("s-unknown", FailureReason.INVALID_ADDRESS)
        assert [c["key"] for c in calls if c["to"] == "+33700000000"] == ["ACME:s-busy"] * 2
        assert {c["auth"] for c in calls} == {"Bearer provider-key"}
        ok = next(c for c in calls if c["to"] == "+33612345678")
        assert ok["text"] == "Dupont & Fils : nous avons bien reçu votre règlement, merci."
        evidence = (await http.get("/v1/messages", params={"customer": "C-42"})).json()
        refs = {m["command_key"]: m for m in evidence}
        assert refs["s-ok"]["status"] == "sent"
        assert refs["s-ok"]["provider_ref"].startswith("prov-")
