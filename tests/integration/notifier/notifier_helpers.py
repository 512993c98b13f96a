"""Helpers for the notifier's integration tests: an SMTP server in the test process
(aiosmtpd), the notifier served over HTTP, commands in and events out over RabbitMQ."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from encaisse.bus.publisher import Publisher, connect
from encaisse.bus.topology import EVENTS
from encaisse.contracts import Envelope, Money, decode
from encaisse.contracts.common import Debtor, InvoiceLine
from encaisse.contracts.notifier import SendEmail
from support.http import client
from support.services import TENANT, service_app

LINK_KEYS = {"k1": "a-secret-shared-with-the-portal"}


@dataclass
class SmtpServer:
    """Records what it receives; answers RCPT for chosen addresses with chosen replies."""

    port: int
    received: list[EmailMessage] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)
    rcpt_replies: dict[str, list[str]] = field(default_factory=dict)
    rcpt_calls: dict[str, int] = field(default_factory=dict)
    rcpt_times: dict[str, list[float]] = field(default_factory=dict)  # time.monotonic()
    data_replies: list[str] = field(default_factory=list)
    greetings: int = 0  # EHLOs: one per connection (no STARTTLS here)
    on_data: Callable[[], None] | None = None
    on_rcpt: Callable[[], None] | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_EHLO(
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        session.host_name = hostname
        with self.lock:
            self.greetings += 1
        return responses

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        with self.lock:
            self.rcpt_calls[address] = self.rcpt_calls.get(address, 0) + 1
            self.rcpt_times.setdefault(address, []).append(time.monotonic())
            replies = self.rcpt_replies.get(address)
            reply = replies.pop(0) if replies else None
        if self.on_rcpt is not None:
            self.on_rcpt()
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            if self.data_replies:
                return self.data_replies.pop(0)
            self.received.append(message_from_bytes(envelope.content, policy=policy.default))
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        if self.on_data is not None:
            self.on_data()
        return "250 OK queued"


def notifier_settings(smtp: SmtpServer, **extra: Any) -> dict[str, Any]:
    return {
        "smtp_port": smtp.port,
        "portal_link_keys": LINK_KEYS,
        "portal_link_key_id": "k1",
        "portal_base_url": "http://portal.test",
        "send_retry_delays_ms": [200, 400],
        "send_idle_seconds": 0.02,
        "senders": {TENANT: "ACME Credit <credit@acme.example>"},
        "webhook_secrets": {"mailer": "webhook-secret"},
        **extra,
    }


@asynccontextmanager
async def running_notifier(
    database_url: str, amqp_url: str, smtp: SmtpServer, clock: Any = None, **extra: Any
) -> AsyncIterator[Any]:
    """The notifier served over HTTP; ``clock`` (a ``SettableClock``) sets its time."""
    app = await service_app(
        "notifier", database_url, amqp_url, clock=clock, **notifier_settings(smtp, **extra)
    )
    async with client(app, token="admin-token") as http:
        yield http


def invoice(number: str, amount: str, balance: str, currency: str = "EUR") -> InvoiceLine:
    return InvoiceLine(
        invoice_number=number,
        issue_date=date(2026, 1, 5),
        due_date=date(2026, 2, 4),
        amount=Money(amount=Decimal(amount), currency=currency),
        open_balance=Money(amount=Decimal(balance), currency=currency),
    )


def email_command(
    key: str = "case-1/first_reminder/2026-02-20",
    *,
    language: str = "fr",
    to: tuple[str, ...] = ("ap@client.example",),
    **kw: Any,
) -> SendEmail:
    fields: dict[str, Any] = dict(
        tenant=TENANT,
        idempotency_key=key,
        case_id="case-1",
        step="first_reminder",
        template="first_reminder",
        debtor=Debtor(customer_ref="C-42", name="Dupont & Fils", language=language),
        to=to,
        invoices=(
            invoice("F-001", "1234.50", "1000.00"),
            invoice("F-002", "99.99", "99.99"),
            invoice("F-003", "500.00", "250.00", "USD"),
        ),
    )
    fields.update(kw)
    return SendEmail(**fields)


class Bus:
    """Publishes commands and collects the notifier's events, in a test's vhost."""

    def __init__(self, amqp_url: str) -> None:
        self._url = amqp_url
        self.events: list[Envelope[Any]] = []

    async def __aenter__(self) -> Bus:
        self._connection = await connect(self._url)
        channel = await self._connection.channel()
        exchange = await channel.get_exchange(EVENTS)
        queue = await channel.declare_queue(exclusive=True)
        await queue.bind(exchange, "notifier.#")

        async def collect(message: Any) -> None:
            async with message.process():
                self.events.append(decode(message.headers, message.content_type, message.body))

        await queue.consume(collect)
        self.publisher = Publisher(self._connection)
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self._connection.close()

    async def send(self, command: Any, *, envelope_id: str | None = None) -> Envelope[Any]:
        kwargs = {"id": envelope_id} if envelope_id else {}
        envelope = Envelope(payload=command, subject=command.debtor.customer_ref, **kwargs)
        await self.publisher.publish_envelope(envelope)
        return envelope

    def of_type(self, suffix: str) -> list[Any]:
        return [e.payload for e in self.events if e.type.endswith(suffix)]


async def eventually(predicate: Callable[[], bool], timeout: float = 15.0) -> None:
    async with asyncio.timeout(timeout):
        while not predicate():
            await asyncio.sleep(0.05)
