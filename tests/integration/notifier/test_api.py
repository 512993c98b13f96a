"""The notifier's HTTP API over real HTTP: templates, webhooks, evidence, bounces."""

from __future__ import annotations

import hashlib
import hmac
import json
import mailbox

from notifier_helpers import Bus, email_command, eventually, notifier_settings, running_notifier

from encaisse.contracts.notifier import FailureReason, SendSms
from encaisse.notifier.domain.bounces import delivery_status_notification
from support.http import client
from support.services import TENANT, service_app

TEMPLATE = """{% extends layout %}
{% block subject %}Votre compte chez {{ tenant }}{% endblock %}
{% block message %}
Bonjour {{ debtor.name }},

Voici notre texte à nous.
{% endblock %}
"""


async def test_a_tenant_template_is_checked_when_saved_then_used(database_url, amqp_url, smtp):
    async with running_notifier(database_url, amqp_url, smtp) as http, Bus(amqp_url) as bus:
        bad = TEMPLATE.replace("{{ debtor.name }}", "{{ debtor_name }}")
        refused = await http.put("/v1/templates/first_reminder/fr", json={"source": bad})
        assert refused.status_code == 422
        detail = refused.json()["detail"][0]
        assert detail["loc"] == ["body", "source"] and "line 4" in detail["msg"]
        assert "debtor_name" in detail["msg"]
        broken = await http.put(
            "/v1/templates/first_reminder/fr",
            json={"source": "{% extends layout %}\n{% block subject %}"},
        )
        assert broken.status_code == 422 and "line 2" in broken.json()["detail"][0]["msg"]
        as_viewer = await http.put(
            "/v1/templates/first_reminder/fr",
            json={"source": TEMPLATE},
            headers={"Authorization": "Bearer viewer-token"},
        )
        assert as_viewer.status_code == 403

        saved = await http.put("/v1/templates/first_reminder/fr", json={"source": TEMPLATE})
        assert saved.status_code == 200
        current = (await http.get("/v1/templates/first_reminder/fr")).json()
        assert current["overridden"] and current["source"] == TEMPLATE
        other = await http.get(
            "/v1/templates/first_reminder/fr", headers={"Authorization": "Bearer other-admin-token"}
        )
        assert other.json()["overridden"] is False  # another tenant keeps the default

        await bus.send(email_command())
        await eventually(lambda: len(smtp.received) == 1)
        mail = smtp.received[0]
        assert mail["Subject"] == "Votre compte chez ACME"
        text = mail.get_body(("plain",)).get_content()
        assert "Bonjour Dupont & Fils" in text and "Facture F-001" in text

        assert (await http.delete("/v1/templates/first_reminder/fr")).status_code == 204
        assert (await http.get("/v1/templates/first_reminder/fr")).json()["overridden"] is False


def _signed(body: bytes, secret: str = "webhook-secret") -> dict[str, str]:
    mac = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return {"X-Encaisse-Signature": f"sha256={mac}", "Content-Type": "application/json"}


async def test_provider_webhooks_are_checked_and_become_events(database_url, amqp_url, smtp):
    async with running_notifier(database_url, amqp_url, smtp) as http, Bus(amqp_url) as bus:
        await bus.send(email_command("k-delivered"))
        await bus.send(email_command("k-bounced"))
        await eventually(lambda: len(bus.of_type("message.sent.v1")) == 2)
        sent = {e.command_key: e for e in bus.of_type("message.sent.v1")}
        evidence = (await http.get("/v1/messages", params={"customer": "C-42"})).json()
        bounced_header = next(
            m["header_message_id"] for m in evidence if m["command_key"] == "k-bounced"
        )
        body = json.dumps(
            [
                {"message_id": sent["k-delivered"].message_id, "status": "delivered"},
                {
                    "header_message_id": bounced_header,
                    "status": "bounced",
                    "detail": "5.2.2 mailbox full",
                },
                {"message_id": "unknown", "status": "delivered"},
            ]
        ).encode()
        assert (
            await http.post("/v1/webhooks/mailer", content=body, headers=_signed(body, "wrong"))
        ).status_code == 401
        assert (await http.post("/v1/webhooks/mailer", content=body)).status_code == 401
        assert (
            await http.post("/v1/webhooks/nobody", content=body, headers=_signed(body))
        ).status_code == 404
        answer = await http.post("/v1/webhooks/mailer", content=body, headers=_signed(body))
        assert answer.json() == {"applied": 2, "unknown": 1}
        again = await http.post("/v1/webhooks/mailer", content=body, headers=_signed(body))
        assert again.json() == {"applied": 0, "unknown": 1}, "a repeated report changes nothing"
        await eventually(
            lambda: bus.of_type("message.delivered.v1") and bus.of_type("message.failed.v1")
        )
        delivered = bus.of_type("message.delivered.v1")[0]
        assert delivered.command_key == "k-delivered" and delivered.version == 2
        bounced = bus.of_type("message.failed.v1")[0]
        assert (bounced.command_key, bounced.reason) == ("k-bounced", FailureReason.BOUNCED)
        bad = b'{"status": "exploded"}'
        assert (
            await http.post("/v1/webhooks/mailer", content=bad, headers=_signed(bad))
        ).status_code == 422


async def test_messages_are_listed_per_customer_and_tenant(database_url, amqp_url, smtp):
    async with running_notifier(database_url, amqp_url, smtp) as http, Bus(amqp_url) as bus:
        await bus.send(email_command())
        await eventually(lambda: bus.of_type("message.sent.v1"))
        assert len((await http.get("/v1/messages", params={"customer": "C-42"})).json()) == 1
        other = await http.get(
            "/v1/messages",
            params={"customer": "C-42"},
            headers={"Authorization": "Bearer other-admin-token"},
        )
        assert other.json() == []
        missing = await http.get("/v1/messages")
        assert missing.status_code == 422 and missing.json()["detail"][0]["loc"] == [
            "query",
            "customer",
        ]
        assert (await http.get("/v1/messages/nope")).status_code == 404


async def test_sms_through_the_sandbox_provider(database_url, amqp_url, smtp):
    async with running_notifier(database_url, amqp_url, smtp) as http, Bus(amqp_url) as bus:
        base = email_command()
        for key, number in (
            ("sms-ok", "+33612345678"),
            ("sms-unknown", "+999123456"),
            ("sms-bad", "0612345678"),
        ):
            await bus.send(
                SendSms(
                    tenant=TENANT,
                    idempotency_key=key,
                    template="first_reminder",
                    debtor=base.debtor,
                    to=number,
                    invoices=base.invoices,
                )
            )
        await eventually(
            lambda: len(bus.of_type("message.sent.v1")) + len(bus.of_type("message.failed.v1")) == 3
        )
        assert [e.command_key for e in bus.of_type("message.sent.v1")] == ["sms-ok"]
        failed = {e.command_key: e.reason for e in bus.of_type("message.failed.v1")}
        assert failed == {
            "sms-unknown": FailureReason.INVALID_ADDRESS,
            "sms-bad": FailureReason.INVALID_ADDRESS,
        }
        evidence = (await http.get("/v1/messages", params={"customer": "C-42"})).json()
        ok = next(m for m in evidence if m["command_key"] == "sms-ok")
        assert ok["channel"] == "sms" and "factures échues" in ok["body_text"]
        assert "http://portal.test/access/" in ok["body_text"]


async def test_bounces_from_the_bounce_mailbox_become_failed_events(
    database_url, amqp_url, smtp, tmp_path
):
    box = mailbox.Maildir(tmp_path / "bounces", create=True)
    async with (
        running_notifier(
            database_url,
            amqp_url,
            smtp,
            bounce_maildir=str(tmp_path / "bounces"),
            bounce_poll_seconds=0.1,
        ) as http,
        Bus(amqp_url) as bus,
    ):
        await bus.send(email_command(cc=("rep@acme.example",)))
        await eventually(lambda: bus.of_type("message.sent.v1"))
        message_id = smtp.received[0]["Message-ID"]
        box.add(b"From: a@b.c\r\nSubject: out of office\r\n\r\nBack on Monday.\r\n")
        box.add(delivery_status_notification(message_id, "rep@acme.example"))
        await eventually(lambda: not box.keys())  # each file is removed after its commit
        kept = (await http.get("/v1/messages", params={"customer": "C-42"})).json()[0]
        assert kept["status"] == "sent" and not bus.of_type("message.failed.v1")
        assert "copy to rep@acme.example bounced: 5.1.1" in kept["last_error"]
        box.add(delivery_status_notification(message_id, "ap@client.example"))
        await eventually(lambda: bus.of_type("message.failed.v1"))
        failed = bus.of_type("message.failed.v1")[0]
        assert failed.reason == FailureReason.INVALID_ADDRESS and failed.version == 2
        assert "User unknown" in failed.detail
        await eventually(lambda: not box.keys())
        evidence = (await http.get("/v1/messages", params={"customer": "C-42"})).json()[0]
        assert evidence["status"] == "failed" and evidence["failure_reason"] == "invalid_address"


async def test_development_takes_delivery_reports_signed_with_its_documented_secret(
    database_url, amqp_url, smtp
):
    """``make run`` can produce an "email delivered": provider ``dev``, its secret in the
    README (refused outside development: tests/unit/kit/test_settings.py)."""
    settings = {k: v for k, v in notifier_settings(smtp).items() if k != "webhook_secrets"}
    app = await service_app("notifier", database_url, amqp_url, **settings)
    async with client(app, token="admin-token") as http, Bus(amqp_url) as bus:
        await bus.send(email_command("k-dev-delivered"))
        await eventually(lambda: bus.of_type("message.sent.v1"))
        sent = bus.of_type("message.sent.v1")[0]
        body = json.dumps({"message_id": sent.message_id, "status": "delivered"}).encode()
        answer = await http.post(
            "/v1/webhooks/dev", content=body, headers=_signed(body, "dev-webhook-secret")
        )
        assert answer.status_code == 200 and answer.json() == {"applied": 1, "unknown": 0}
        await eventually(lambda: bus.of_type("message.delivered.v1"))
