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
    invoices = [InvoiceLine(invoice_number=f"F-{n}", issue_date=date(2026, 1, 5),
                            due_date=date(2026, 2, 4), amount=eur, open_balance=eur)
                for n in range(3)]
    variables = message_context(
        tenant="BENCH", debtor=Debtor(customer_ref="C1", name="Dupont SA"), invoices=invoices,
        language="fr", portal_link="http://127.0.0.1:8100/access/x", context={},
        sender_name="Bench", today=date(2026, 2, 20))
    rendered = Templates().render_email("first_reminder", "fr", variables)
    return Email(sender="Bench <bench@encaisse.localhost>", to=[f"debtor{i}@client.example"],
                 cc=[], subject=rendered.subject, text=rendered.text, html=rendered.html,
                 message_id=header_message_id("BENCH", str(i), "encaisse.localhost"),
                 date=datetime.now(UTC))


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
        args = [sys.executable, "-m", "encaisse.notifier.devsmtp", "--port", str(port),
                "--maildir", str(Path(tmp) / "mailbox")] + (["--discard"] if discard else [])
        server = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
        try:
            server.stdout.readline()  # ready
            settings = NotifierSettings(_env_file=None, smtp_port=port,
                                        smtp_pool_size=concurrency)
            emails = [_email(i) for i in range(count)]
            size = len(emails[0].compose().as_bytes())
            print(f"{count} emails of {size} bytes, {concurrency} at a time, server "
                  f"{'discarding' if discard else 'keeping a maildir'}")
            await _run(SmtpPool(settings), emails[:50], concurrency)  # warm-up
            for name, pool in (("pooled", SmtpPool(settings)), ("one per email",
                                                                OneShot(settings))):
                elapsed = await _run(pool, emails, concurrency)
                print(f"  {name:<14} {count / elapsed:8.0f} emails/s  ({elapsed:.2f} s, "
                      f"{pool.opened} connections)")
        finally:
            server.terminate()
            server.wait()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--emails", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--discard", action="store_true")
    args = parser.parse_args()
    asyncio.run(bench(args.emails, args.concurrency, args.discard))


if __name__ == "__main__":
    main()
