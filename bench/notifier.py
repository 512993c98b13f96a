"""Emails per second to the local SMTP server: pooled connections beside one per email.

    .venv/bin/python bench/notifier.py [--emails 2000] [--concurrency 4]

The development SMTP server (``python -m encaisse.notifier.devsmtp``, aiosmtpd)
runs in its own process, keeping each email in a maildir (as in ``make run``),
or with ``--discard`` keeping nothing. The client sends a rendered first
reminder (French, three invoices, text and HTML, about 6 KB) with the
notifier's own code (``transmit``: MAIL, RCPT, DATA), ``--concurrency`` at a
time:
- pooled: ``SmtpPool`` of ``concurrency`` connections, reused;
- one per email: connect, EHLO, send, QUIT for every email (``OneShot``).

With ``--service``: the whole notifier instead (in this process, a scratch
database and vhost): ``SendEmail`` commands published to RabbitMQ, consumed
with the inbox, rendered, queued, sent by the sending loop (lease, ``sending``
commit, DATA, ``sent`` commit with its event) to an aiosmtpd server that
runs in its own process and keeps nothing; timed from the first publish to the
last message recorded as sent.
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from encaisse.contracts import Money
from encaisse.contracts.common import Debtor, InvoiceLine
from encaisse.notifier.mail import Email, OneShot, SmtpPool, header_message_id, transmit
from encaisse.notifier.rendering import Templates, message_context
from encaisse.notifier.settings import NotifierSettings


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _email(i: int) -> Email:
    eur = Money(amount=Decimal("1234.50"), currency="EUR")
    invoices = [
        InvoiceLine(
            invoice_number=f"F-{n}",
            issue_date=date(2026, 1, 5),
            due_date=date(2026, 2, 4),
            amount=eur,
            open_balance=eur,
        )
        for n in range(3)
    ]
    variables = message_context(
        tenant="BENCH",
        debtor=Debtor(customer_ref="C1", name="Dupont SA"),
        invoices=invoices,
        language="fr",
        portal_link="http://127.0.0.1:8100/access/x",
        context={},
        sender_name="Bench",
        today=date(2026, 2, 20),
    )
    rendered = Templates().render_email("first_reminder", "fr", variables)
    return Email(
        sender="Bench <bench@encaisse.localhost>",
        to=[f"debtor{i}@client.example"],
        cc=[],
        subject=rendered.subject,
        text=rendered.text,
        html=rendered.html,
        message_id=header_message_id("BENCH", str(i), "encaisse.localhost"),
        date=datetime.now(UTC),
    )


async def _noop() -> None:
    return None


async def _run(pool, emails: list[Email], concurrency: int) -> float:
    queue: asyncio.Queue[Email] = asyncio.Queue()
    for email in emails:
        queue.put_nowait(email)

    async def worker() -> None:
        while not queue.empty():
            email = queue.get_nowait()
            async with pool.connection() as conn:
                await transmit(conn, email, _noop)

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - start
    await pool.close()
    return elapsed


async def bench(count: int, concurrency: int, discard: bool) -> None:
    port = _free_port()
    with tempfile.TemporaryDirectory() as tmp:
        args = [
            sys.executable,
            "-m",
            "encaisse.notifier.devsmtp",
            "--port",
            str(port),
            "--maildir",
            str(Path(tmp) / "mailbox"),
        ] + (["--discard"] if discard else [])
        server = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
        try:
            server.stdout.readline()  # ready
            settings = NotifierSettings(_env_file=None, smtp_port=port, smtp_pool_size=concurrency)
            emails = [_email(i) for i in range(count)]
            size = len(emails[0].compose().as_bytes())
            print(
                f"{count} emails of {size} bytes, {concurrency} at a time, server "
                f"{'discarding' if discard else 'keeping a maildir'}"
            )
            await _run(SmtpPool(settings), emails[:50], concurrency)  # warm-up
            for name, pool in (
                ("pooled", SmtpPool(settings)),
                ("one per email", OneShot(settings)),
            ):
                elapsed = await _run(pool, emails, concurrency)
                print(
                    f"  {name:<14} {count / elapsed:8.0f} emails/s  ({elapsed:.2f} s, "
                    f"{pool.opened} connections)"
                )
        finally:
            server.terminate()
            server.wait()


async def bench_service(count: int, pool_size: int) -> None:
    from _infra import ScratchDatabase, scratch_vhost
    from asgi_lifespan import LifespanManager

    from encaisse.bus.publisher import Outgoing, Publisher, connect
    from encaisse.contracts import Envelope
    from encaisse.contracts.notifier import SendEmail
    from encaisse.kit.migrations import upgrade
    from encaisse.notifier.app import MIGRATIONS, build_app

    port = _free_port()
    smtp = subprocess.Popen(
        [sys.executable, "-m", "encaisse.notifier.devsmtp", "--port", str(port), "--discard"],
        stdout=subprocess.PIPE,
        text=True,
    )
    smtp.stdout.readline()  # ready
    eur = Money(amount=Decimal("1234.50"), currency="EUR")
    invoices = tuple(
        InvoiceLine(
            invoice_number=f"F-{n}",
            issue_date=date(2026, 1, 5),
            due_date=date(2026, 2, 4),
            amount=eur,
            open_balance=eur,
        )
        for n in range(3)
    )
    try:
        with scratch_vhost() as amqp_url:
            async with ScratchDatabase() as database_url:
                await asyncio.to_thread(upgrade, MIGRATIONS, database_url)
                settings = NotifierSettings(
                    _env_file=None,
                    database_url=database_url,
                    amqp_url=amqp_url,
                    smtp_port=port,
                    smtp_pool_size=pool_size,
                    send_batch_size=pool_size * 4,
                    log_level="WARNING",
                )
                app = build_app(settings)
                async with LifespanManager(app):
                    connection = await connect(amqp_url)
                    publisher = Publisher(connection)
                    commands = [
                        Outgoing.from_envelope(
                            Envelope(
                                subject=f"C{i}",
                                payload=SendEmail(
                                    tenant="BENCH",
                                    idempotency_key=f"bench-{i}",
                                    template="first_reminder",
                                    debtor=Debtor(customer_ref=f"C{i}", name="Dupont SA"),
                                    to=(f"debtor{i}@client.example",),
                                    invoices=invoices,
                                ),
                            )
                        )
                        for i in range(count)
                    ]
                    start = time.perf_counter()
                    await publisher.publish_many(commands)  # pipelined, confirms awaited
                    published = time.perf_counter() - start
                    queued_at = None
                    while await _rows(app, "sent") < count:
                        if queued_at is None and await _rows(app) >= count:
                            queued_at = time.perf_counter() - start
                        await asyncio.sleep(0.02)
                    elapsed = time.perf_counter() - start
                    await connection.close()
                print(
                    f"service: {count} commands published in {published:.2f} s, "
                    f"all taken (rendered, queued) after {queued_at or elapsed:.2f} s; "
                    f"{count} sent (250 received and recorded) in {elapsed:.2f} s: "
                    f"{count / elapsed:.0f} emails/s (SMTP pool of {pool_size})"
                )
    finally:
        smtp.terminate()
        smtp.wait()


async def _rows(app, status: str | None = None) -> int:
    from sqlalchemy import func, select

    from encaisse.notifier.db import messages

    query = select(func.count()).select_from(messages)
    if status:
        query = query.where(messages.c.status == status)
    async with app.state.runtime.engine.connect() as conn:
        return await conn.scalar(query)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--emails", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--discard", action="store_true")
    parser.add_argument("--service", action="store_true")
    args = parser.parse_args()
    if args.service:
        asyncio.run(bench_service(args.emails, args.concurrency))
    else:
        asyncio.run(bench(args.emails, args.concurrency, args.discard))


if __name__ == "__main__":
    main()
