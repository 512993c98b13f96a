"""Development mail: the local SMTP server that ``make run`` starts (``Procfile.dev``), and
the page ``/dev/mailbox`` that lists and shows what it kept."""

from __future__ import annotations

import asyncio
import mailbox
import shlex
import subprocess
import sys
from email.message import EmailMessage
from pathlib import Path

import aiosmtplib
import httpx
import pytest
from notifier_helpers import Bus, email_command, eventually, running_notifier

from encaisse.contracts.notifier import FailureReason
from encaisse.notifier.devsmtp import controller
from encaisse.notifier.domain.bounces import parse_dsn
from support.http import free_port

PROCFILE = Path(__file__).parents[3] / "services" / "notifier" / "Procfile.dev"


def _mail(to: str, subject: str, date: str | None = None) -> EmailMessage:
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = "credit@acme.example", to, subject
    mail["Message-ID"] = f"<{subject.replace(' ', '-')}@encaisse.localhost>"
    if date:
        mail["Date"] = date
    mail.set_content(f"{subject}: body")
    return mail


async def _listening(port: int, process: subprocess.Popen, timeout: float = 20.0) -> None:
    async with asyncio.timeout(timeout):
        while True:
            assert process.poll() is None, "the development SMTP server stopped"
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", port)
            except OSError:
                await asyncio.sleep(0.1)
                continue
            writer.close()
            return


async def test_the_procfile_smtp_server_keeps_refuses_and_bounces_like_a_relay(tmp_path):
    (line,) = [x for x in PROCFILE.read_text().splitlines() if x.startswith("smtp:")]
    port = free_port()
    command = line.removeprefix("smtp:").replace("{python}", sys.executable)
    assert "--port 1025" in command
    argv = shlex.split(command.replace("--port 1025", f"--port {port}"))
    process = subprocess.Popen(
        argv, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        await _listening(port, process)
        smtp = aiosmtplib.SMTP(hostname="127.0.0.1", port=port)
        async with smtp:
            await smtp.send_message(_mail("ap@client.example", "kept"))
            with pytest.raises(aiosmtplib.SMTPRecipientsRefused) as refused:
                await smtp.send_message(_mail("unknown@client.example", "refused"))
            assert refused.value.recipients[0].code == 550
            await smtp.send_message(_mail("bounce@client.example", "bounced later"))
    finally:
        process.terminate()
        process.wait(10)
    kept = mailbox.Maildir(tmp_path / ".run" / "mailbox", create=False)
    assert sorted(m["Subject"] for m in kept) == ["bounced later", "kept"]
    (dsn,) = [parse_dsn(m.as_bytes()) for m in mailbox.Maildir(tmp_path / ".run" / "bounces")]
    assert [(b.original_message_id, b.recipient, b.reason) for b in dsn] == [
        ("<bounced-later@encaisse.localhost>", "bounce@client.example", FailureReason.BOUNCED)
    ]


async def test_dev_mailbox_shows_what_the_local_smtp_server_kept_and_bounces(
    database_url, amqp_url, smtp, tmp_path
):
    port = free_port()
    local = controller(tmp_path / "mailbox", port=port, bounces=tmp_path / "bounces")
    local.start()
    try:
        async with (
            running_notifier(
                database_url,
                amqp_url,
                smtp,
                smtp_port=port,
                simulation=True,
                dev_mailbox_dir=str(tmp_path / "mailbox"),
                bounce_maildir=str(tmp_path / "bounces"),
                bounce_poll_seconds=0.1,
            ) as http,
            Bus(amqp_url) as bus,
        ):
            await bus.send(email_command())
            await bus.send(email_command("k2", to=("bounce@client.example",)))
            await bus.send(email_command("k3", to=("unknown@client.example",)))
            await eventually(lambda: len(bus.of_type("message.failed.v1")) == 2)
            failed = {e.command_key: e.reason for e in bus.of_type("message.failed.v1")}
            assert failed == {"k2": FailureReason.BOUNCED, "k3": FailureReason.INVALID_ADDRESS}
            page = await http.get("/dev/mailbox")
            assert page.status_code == 200 and "Relance : factures échues" in page.text
            assert page.text.count("/dev/mailbox/") == 2  # the bounced one was taken, then bounced
            key = page.text.split("/dev/mailbox/")[1].split("'")[0]
            mail = await http.get(f"/dev/mailbox/{key}")
            assert "Sauf erreur ou omission" in mail.text and "F-003" in mail.text
    finally:
        local.stop()


async def test_dev_mailbox_is_absent_unless_simulating(database_url, amqp_url, smtp):
    async with running_notifier(database_url, amqp_url, smtp) as http:
        assert (await http.get("/dev/mailbox")).status_code == 404
        assert isinstance(http, httpx.AsyncClient)


async def test_dev_mailbox_lists_the_newest_email_first(database_url, amqp_url, smtp, tmp_path):
    box = mailbox.Maildir(tmp_path / "mailbox", create=True)
    for subject, date in (
        ("older", "Sat, 28 Feb 2026 09:00:00 +0100"),
        ("newest", "Fri, 06 Mar 2026 09:00:00 +0100"),
        ("middle", "Tue, 03 Mar 2026 18:00:00 -0500"),
    ):
        box.add(_mail("ap@client.example", subject, date).as_bytes())
    async with running_notifier(
        database_url, amqp_url, smtp, simulation=True, dev_mailbox_dir=str(tmp_path / "mailbox")
    ) as http:
        page = (await http.get("/dev/mailbox")).text
    assert "3 emails" in page
    assert page.index("newest") < page.index("middle") < page.index("older")
