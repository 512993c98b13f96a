"""SendEmail end to end: RabbitMQ command in, real SMTP out, events back, evidence kept."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import pytest
from aiosmtpd.controller import Controller
from fastapi import FastAPI, Response
from notifier_helpers import (
    LINK_KEYS,
    Bus,
    SmtpServer,
    email_command,
    eventually,
    invoice,
    running_notifier,
)

from encaisse.bus.deadletters import DeadLetters
from encaisse.bus.publisher import connect
from encaisse.contracts.notifier import FailureReason
from encaisse.kit.clock import SettableClock
from encaisse.kit.links import InvalidLink, verify_link
from support.http import free_port, serve
from support.services import TENANT


def _parts(mail):
    return mail.get_body(("plain",)).get_content(), mail.get_body(("html",)).get_content()


async def test_french_email_lists_invoices_with_totals_per_currency_and_a_portal_link(
    database_url, amqp_url, smtp
):
    async with running_notifier(database_url, amqp_url, smtp) as http, Bus(amqp_url) as bus:
        await bus.send(email_command(cc=("rep@acme.example",)))
        await eventually(lambda: bus.of_type("message.sent.v1"))
        assert len(smtp.received) == 1
        mail = smtp.received[0]
        assert mail["Subject"] == "Relance : factures échues non réglées"
        assert mail["From"] == "ACME Credit <credit@acme.example>"
        assert mail["To"] == "ap@client.example" and mail["Cc"] == "rep@acme.example"
        assert smtp.envelopes[0] == (
            "credit@acme.example",
            ["ap@client.example", "rep@acme.example"],
        )
        text, html = _parts(mail)
        assert "Sauf erreur ou omission de notre part" in text
        nbsp = "\u202f"  # babel's narrow no-break space as the French thousands separator
        assert (
            f"Facture F-001, date 05/01/2026, échéance 04/02/2026 : montant 1{nbsp}234,50\xa0€"
            in text
        )
        assert f"Total (EUR) : montant 1{nbsp}334,49\xa0€, reste dû 1{nbsp}099,99\xa0€" in text
        assert "Total (USD) : montant 500,00\xa0$US, reste dû 250,00\xa0$US" in text
        assert f'<td align="right">1{nbsp}334,49\xa0€</td>' in html
        link = next(line for line in text.splitlines() if "/access/" in line)
        assert link.startswith("http://portal.test/access/")
        claims = verify_link(LINK_KEYS, link.rsplit("/", 1)[1], now=datetime.now(UTC))
        assert (claims.tenant, claims.customer_ref) == ("ACME", "C-42")
        assert f'href="{link}"' in html

        sent = bus.of_type("message.sent.v1")[0]
        assert (sent.command_key, sent.customer_ref, sent.version) == (
            "case-1/first_reminder/2026-02-20",
            "C-42",
            1,
        )
        evidence = (await http.get("/v1/messages", params={"customer": "C-42"})).json()
        assert [m["status"] for m in evidence] == ["sent"]
        assert evidence[0]["id"] == sent.message_id
        assert evidence[0]["body_text"] == text.replace("\r\n", "\n")
        assert evidence[0]["body_html"] == html.replace("\r\n", "\n").removesuffix("\n")
        assert evidence[0]["subject"] == mail["Subject"]
        assert evidence[0]["header_message_id"] == mail["Message-ID"]


async def test_the_runtime_clock_dates_the_email_and_its_portal_link(database_url, amqp_url, smtp):
    """One clock: the Date a debtor reads and the link's expiry come from the runtime's."""
    at = datetime(2026, 2, 20, 9, 30, tzinfo=UTC)
    async with (
        running_notifier(database_url, amqp_url, smtp, clock=SettableClock(at)),
        Bus(amqp_url) as bus,
    ):
        await bus.send(email_command())
        await eventually(lambda: bus.of_type("message.sent.v1"))
        mail = smtp.received[0]
        assert parsedate_to_datetime(mail["Date"]) == at
        text, _ = _parts(mail)
        token = next(line for line in text.splitlines() if "/access/" in line).rsplit("/", 1)[1]
        verify_link(LINK_KEYS, token, now=at + timedelta(days=29))
        with pytest.raises(InvalidLink):
            verify_link(LINK_KEYS, token, now=at + timedelta(days=31))


async def test_english_email_is_formatted_for_an_english_reader(database_url, amqp_url, smtp):
    async with running_notifier(database_url, amqp_url, smtp), Bus(amqp_url) as bus:
        command = email_command(
            language="en",
            debtor=email_command().debtor.model_copy(update={"language": "en", "country": "GB"}),
        )
        await bus.send(command)
        await eventually(lambda: len(smtp.received) == 1)
        text, html = _parts(smtp.received[0])
        assert smtp.received[0]["Subject"] == "Reminder: overdue invoices"
        assert "Unless we are mistaken" in text
        assert "Invoice F-001, date 05/01/2026, due date 04/02/2026: amount €1,234.50" in text
        assert "Total (EUR): amount €1,334.49, open balance €1,099.99" in text
        assert "Total (USD): amount US$500.00, open balance US$250.00" in text
        assert '<th align="right">Open balance</th>' in html


async def test_a_550_user_unknown_fails_with_invalid_address_and_sends_nothing(
    database_url, amqp_url, smtp
):
    smtp.rcpt_replies["gone@client.example"] = ["550 5.1.1 User unknown"]
    async with running_notifier(database_url, amqp_url, smtp) as http, Bus(amqp_url) as bus:
        await bus.send(email_command(to=("gone@client.example",)))
        await eventually(lambda: bus.of_type("message.failed.v1"))
        failed = bus.of_type("message.failed.v1")[0]
        assert failed.reason == FailureReason.INVALID_ADDRESS
        assert "User unknown" in failed.detail and failed.recipient == "gone@client.example"
        assert smtp.received == [] and not bus.of_type("message.sent.v1")
        assert smtp.rcpt_calls["gone@client.example"] == 1, "final at once, not retried"
        evidence = (await http.get("/v1/messages", params={"customer": "C-42"})).json()
        assert evidence[0]["status"] == "failed"
        assert evidence[0]["failure_reason"] == "invalid_address"


async def test_a_malformed_address_fails_at_once_without_talking_to_the_server(
    database_url, amqp_url, smtp
):
    async with running_notifier(database_url, amqp_url, smtp), Bus(amqp_url) as bus:
        await bus.send(email_command(to=("not-an-address",)))
        await eventually(lambda: bus.of_type("message.failed.v1"))
        assert bus.of_type("message.failed.v1")[0].reason == FailureReason.INVALID_ADDRESS
        assert smtp.rcpt_calls == {} and smtp.received == []


async def test_a_421_is_retried_after_a_delay_then_sent(database_url, amqp_url, smtp):
    smtp.rcpt_replies["busy@client.example"] = ["421 4.3.2 Try again later", "451 4.7.1 Greylisted"]
    async with running_notifier(database_url, amqp_url, smtp) as http, Bus(amqp_url) as bus:
        await bus.send(email_command(to=("busy@client.example",)))
        await eventually(lambda: bus.of_type("message.sent.v1"))
        assert smtp.rcpt_calls["busy@client.example"] == 3
        first, second, third = smtp.rcpt_times["busy@client.example"]
        assert second - first >= 0.2 and third - second >= 0.4, "waits of 200 then 400 ms"
        assert len(smtp.received) == 1 and not bus.of_type("message.failed.v1")
        evidence = (await http.get("/v1/messages", params={"customer": "C-42"})).json()[0]
        assert evidence["attempts"] == 3 and evidence["status"] == "sent"
        metrics = (await http.get("/metrics")).text
        assert 'encaisse_notifier_sends_total{channel="email",outcome="retried"}' in metrics


async def test_a_refused_copy_is_left_out_and_the_email_still_goes(database_url, amqp_url, smtp):
    smtp.rcpt_replies["old-rep@acme.example"] = ["550 5.1.1 User unknown"]
    async with running_notifier(database_url, amqp_url, smtp) as http, Bus(amqp_url) as bus:
        await bus.send(email_command(cc=("old-rep@acme.example",)))
        await eventually(lambda: bus.of_type("message.sent.v1"))
        assert smtp.envelopes == [("credit@acme.example", ["ap@client.example"])]
        assert not bus.of_type("message.failed.v1")
        evidence = (await http.get("/v1/messages", params={"customer": "C-42"})).json()[0]
        assert evidence["status"] == "sent"
        assert evidence["last_error"] == "cc refused: old-rep@acme.example"


async def test_transient_failures_become_provider_error_when_the_delays_are_used_up(
    database_url, amqp_url, smtp
):
    smtp.rcpt_replies["down@client.example"] = ["421 4.3.2 down"] * 5
    async with running_notifier(database_url, amqp_url, smtp), Bus(amqp_url) as bus:
        await bus.send(email_command(to=("down@client.example",)))
        await eventually(lambda: bus.of_type("message.failed.v1"))
        assert bus.of_type("message.failed.v1")[0].reason == FailureReason.PROVIDER_ERROR
        assert smtp.rcpt_calls["down@client.example"] == 3  # first try + 2 delays
        assert smtp.received == []


async def test_the_same_command_twice_sends_one_email(database_url, amqp_url, smtp):
    async with running_notifier(database_url, amqp_url, smtp) as http, Bus(amqp_url) as bus:
        first = await bus.send(email_command())
        await bus.send(email_command())  # same idempotency key, another envelope
        await bus.send(email_command(), envelope_id=first.id)  # the same envelope again
        await bus.send(email_command("another-key"))
        await eventually(lambda: len(bus.of_type("message.sent.v1")) == 2)
        await eventually(lambda: len(smtp.received) == 2)
        evidence = (await http.get("/v1/messages", params={"customer": "C-42"})).json()
        assert sorted(m["command_key"] for m in evidence) == [
            "another-key",
            "case-1/first_reminder/2026-02-20",
        ]
        await asyncio.sleep(0.5)
        assert len(smtp.received) == 2


async def test_invoice_pdfs_are_attached_within_the_size_limit(
    database_url, amqp_url, smtp, caplog
):
    caplog.set_level(logging.DEBUG)
    files = FastAPI()
    pdf = b"%PDF-1.4 small invoice" + b"0" * 1000

    @files.get("/secret")
    async def secret() -> Response:
        return Response(b"internal secret")

    @files.get("/{name}.pdf")
    async def serve_pdf(name: str) -> Response:
        if name == "big":
            return Response(b"%PDF" + b"0" * 5000, media_type="application/pdf")
        if name == "missing":
            return Response(status_code=404)
        return Response(pdf, media_type="application/pdf")

    async with (
        serve(files) as base,
        serve(files) as internal,
        running_notifier(
            database_url,
            amqp_url,
            smtp,
            attachment_max_bytes=4000,
            document_origins={TENANT: [base]},
            document_allow_private=True,
        ) as http,
        Bus(amqp_url) as bus,
    ):
        command = email_command(
            attach_invoice_pdfs=True,
            invoices=(
                invoice("F-001", "10", "10").model_copy(update={"pdf_url": f"{base}/F-001.pdf"}),
                invoice("F-002", "10", "10").model_copy(update={"pdf_url": f"{base}/big.pdf"}),
                invoice("F-003", "10", "10").model_copy(update={"pdf_url": f"{base}/missing.pdf"}),
                invoice("F-004", "10", "10").model_copy(update={"pdf_url": f"{internal}/secret"}),
            ),
        )
        await bus.send(command)
        await eventually(lambda: bus.of_type("message.sent.v1"))
        attached = list(smtp.received[0].iter_attachments())
        assert [(a.get_filename(), a.get_content()) for a in attached] == [("F-001.pdf", pdf)]
        evidence = (await http.get("/v1/messages", params={"customer": "C-42"})).json()[0]
        kept = {a["filename"]: a for a in evidence["attachments"]}
        assert kept["F-001.pdf"]["size"] == len(pdf)
        assert "larger than 4000" in kept["F-002.pdf"]["skipped"]
        assert "404" in kept["F-003.pdf"]["skipped"]
        assert "not an allowed document origin" in kept["F-004.pdf"]["skipped"]
        assert b"internal secret" not in smtp.received[0].as_bytes()
    ours = [r for r in caplog.records if r.name != "mail.log"]  # not the test's SMTP server
    assert ours, "logs were captured, at every level"
    assert not [r for r in ours if "/access/" in r.getMessage()], "the link is never logged"


async def test_a_relay_that_does_not_answer_yet_is_retried_until_it_does(
    database_url, amqp_url, smtp
):
    down = SmtpServer(port=free_port())  # nothing listens on this port yet
    async with (
        running_notifier(
            database_url, amqp_url, down, send_retry_delays_ms=[300, 600, 1200, 2400]
        ) as http,
        Bus(amqp_url) as bus,
    ):
        await bus.send(email_command())

        async def tried_once() -> bool:
            rows = (await http.get("/v1/messages", params={"customer": "C-42"})).json()
            return bool(rows) and rows[0]["attempts"] >= 1 and rows[0]["last_error"]

        async with asyncio.timeout(10):
            while not await tried_once():
                await asyncio.sleep(0.05)
        controller = Controller(down, hostname="127.0.0.1", port=down.port)
        controller.start()
        try:
            await eventually(lambda: bus.of_type("message.sent.v1"))
        finally:
            controller.stop()
        assert len(down.received) == 1 and not bus.of_type("message.failed.v1")
        row = (await http.get("/v1/messages", params={"customer": "C-42"})).json()[0]
        assert row["attempts"] >= 2 and row["status"] == "sent"


async def test_connections_are_pooled_between_emails(database_url, amqp_url, smtp):
    async with (
        running_notifier(database_url, amqp_url, smtp, smtp_pool_size=2),
        Bus(amqp_url) as bus,
    ):
        for i in range(12):
            await bus.send(email_command(f"pooled-{i}", to=(f"debtor{i}@client.example",)))
        await eventually(lambda: len(smtp.received) == 12)
    assert 1 <= smtp.greetings <= 2, "12 emails over at most 2 SMTP connections"


async def test_content_refused_at_data_is_rejected_and_a_451_there_is_retried(
    database_url, amqp_url, smtp
):
    smtp.data_replies = ["554 5.7.1 Message refused as spam", "451 4.3.0 Local error"]
    async with running_notifier(database_url, amqp_url, smtp), Bus(amqp_url) as bus:
        await bus.send(email_command("refused"))
        await eventually(lambda: bus.of_type("message.failed.v1"))
        failed = bus.of_type("message.failed.v1")[0]
        assert (failed.command_key, failed.reason) == ("refused", FailureReason.REJECTED)
        await bus.send(email_command("later"))
        await eventually(lambda: bus.of_type("message.sent.v1"))
        assert [m["To"] for m in smtp.received] == ["ap@client.example"]
        assert bus.of_type("message.sent.v1")[0].command_key == "later"


async def test_a_command_for_an_unknown_template_goes_to_the_dead_letter_queue(
    database_url, amqp_url, smtp
):
    async with running_notifier(database_url, amqp_url, smtp), Bus(amqp_url) as bus:
        bad = await bus.send(email_command("bad", template="no_such_step"))
        await bus.send(email_command("good"))
        await eventually(lambda: bus.of_type("message.sent.v1"))
        connection = await connect(amqp_url)
        try:
            async with asyncio.timeout(10):
                while not (dead := await DeadLetters(connection).show("notifier.commands")):
                    await asyncio.sleep(0.1)
        finally:
            await connection.close()
        assert [d.message_id for d in dead] == [bad.id]
        assert dead[0].reason == "rejected" and "no_such_step" in dead[0].error
        assert [e.command_key for e in bus.of_type("message.sent.v1")] == ["good"]


@pytest.mark.parametrize(
    ("tenant_language", "subject", "words"),
    [
        ("fr", "Relance : factures échues non réglées", "Sauf erreur"),
        ("en", "Reminder: overdue invoices", "Unless we are mistaken"),
    ],
)
async def test_a_german_debtor_reads_its_tenants_language(
    database_url, amqp_url, smtp, tenant_language, subject, words
):
    async with running_notifier(database_url, amqp_url, smtp), Bus(amqp_url) as bus:
        debtor = email_command().debtor.model_copy(
            update={"language": "de", "country": "DE", "fallback_language": tenant_language}
        )
        await bus.send(email_command(debtor=debtor))
        await eventually(lambda: len(smtp.received) == 1)
        text, _ = _parts(smtp.received[0])
        assert smtp.received[0]["Subject"] == subject
        assert words in text
