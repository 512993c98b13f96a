"""Helpers: the portal served over real HTTP, fed by real ledger events through RabbitMQ.

``portal`` gives a running portal with helpers: publish ledger and notifier
events (the read model is built by the portal's own consumers), issue links
through the staff API, sign in, and collect what the portal publishes.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import aio_pika
import httpx
from fastapi import FastAPI
from sqlalchemy import func, select

from encaisse.bus.publisher import Publisher, connect
from encaisse.contracts import Envelope, Money, decode
from encaisse.contracts import ledger as L
from encaisse.kit.clock import SettableClock
from encaisse.portal import db
from support.http import serve
from support.services import TENANT, service_app

LINK_KEYS = {"k1": "test-secret-one", "k0": "old-secret"}


class Portal:
    def __init__(
        self,
        app: FastAPI,
        url: str,
        http: httpx.AsyncClient,
        publisher: Publisher,
        captured: list[Envelope[Any]],
        clock: SettableClock,
    ) -> None:
        self.app, self.url, self.http = app, url, http
        self.clock = clock
        self.publisher = publisher
        self.captured = captured
        self.tenant = TENANT

    @property
    def runtime(self) -> Any:
        return self.app.state.runtime

    async def publish(self, payload: Any, subject: str) -> Envelope[Any]:
        envelope = Envelope(payload=payload, subject=subject)
        await self.publisher.publish_envelope(envelope)
        return envelope

    async def handled(self, envelope: Envelope[Any]) -> None:
        """Wait until the portal's consumer has processed this message."""
        await self.until(lambda: self._row(db.inbox, message_id=envelope.id))

    async def customer(
        self, name: str = "Dupont SARL", language: str = "fr", email: str | None = None
    ) -> str:
        ref = f"C-{uuid.uuid4().hex[:8]}"
        await self.publish(
            L.CustomerUpserted(
                tenant=self.tenant,
                version=1,
                customer_ref=ref,
                name=name,
                segment=L.Segment.SME,
                country="FR",
                language=language,
                timezone="Europe/Paris",
                payment_method=L.PaymentMethod.TRANSFER,
                email=email,
                created=True,
            ),
            ref,
        )
        await self.until(lambda: self._row(db.customers, customer_ref=ref))
        return ref

    async def invoice(
        self,
        customer_ref: str,
        amount: str,
        *,
        due_days_ago: int = 10,
        currency: str = "EUR",
        version: int = 1,
        open_balance: str | None = None,
        pdf_url: str | None = None,
        number: str | None = None,
    ) -> str:
        number = number or f"F-{uuid.uuid4().hex[:6].upper()}"
        today = date.today()
        balance = open_balance or amount
        sent = await self.publish(
            L.InvoiceIssued(
                tenant=self.tenant,
                version=version,
                invoice_number=number,
                customer_ref=customer_ref,
                issue_date=today - timedelta(days=due_days_ago + 30),
                due_date=today - timedelta(days=due_days_ago),
                amount=Money(amount=Decimal(amount), currency=currency),
                open_balance=Money(amount=Decimal(balance), currency=currency),
                status=L.InvoiceStatus.OPEN
                if balance == amount
                else L.InvoiceStatus.PARTIALLY_PAID,
                pdf_url=pdf_url,
            ),
            number,
        )
        await self.handled(sent)
        return number

    async def _row(self, table: Any, **where: Any) -> Any:
        async with self.runtime.sessions() as session:
            query = select(table).where(*(table.c[k] == v for k, v in where.items()))
            return (await session.execute(query)).first()

    async def until(self, probe: Any, timeout: float = 15.0) -> Any:
        async with asyncio.timeout(timeout):
            while True:
                found = await probe()
                if found:
                    return found
                await asyncio.sleep(0.05)

    async def outbox_empty(self) -> bool:
        async with self.runtime.sessions() as session:
            return await session.scalar(select(func.count()).select_from(db.outbox)) == 0

    async def link(self, customer_ref: str, token: str = "collector-token", **body: Any) -> str:
        answer = await self.http.post(
            "/staff/links",
            json={"customer_ref": customer_ref, **body},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert answer.status_code == 200, answer.text
        return answer.json()["url"]

    async def link_form(self, path: str) -> tuple[dict[str, str], dict[str, str]]:
        """A link's page as a browser gets it: its pre-session cookie and the form's token."""
        page = await self.http.get(path)
        assert page.status_code == 200, page.text
        return {"Cookie": cookie_of(page)}, {"csrf": csrf_of(page.text)}

    async def open_link(
        self, path: str, form: tuple[dict[str, str], dict[str, str]] | None = None, **headers: str
    ) -> httpx.Response:
        """Press a link's button as a browser does: the page first (or ``form``), then the POST
        with its cookie and token."""
        cookie, data = form or await self.link_form(path)
        return await self.http.post(path, data=data, headers={**cookie, **headers})

    async def sign_in(self, link: str) -> dict[str, str]:
        """Exchange a link; return the Cookie header (httpx keeps no Secure cookie over http)."""
        answer = await self.open_link(link.removeprefix(self.url))
        assert answer.status_code == 303, answer.text
        return {"Cookie": cookie_of(answer)}

    async def signed_in(self, customer_ref: str) -> dict[str, str]:
        return await self.sign_in(await self.link(customer_ref))

    async def csrf(self, headers: dict[str, str], page: str = "/") -> str:
        return csrf_of((await self.http.get(page, headers=headers)).text)

    def stop_clock(self) -> datetime:
        """Fix the portal's clock at a past moment of this test's own (rate-limit windows)."""
        moment = datetime(2020, 1, 1, tzinfo=UTC) + timedelta(minutes=uuid.uuid4().int % 10**6)
        self.clock.set(moment)
        return moment

    async def requests_at(self, moment: datetime) -> int:
        """Link requests recorded at ``moment`` (those within the limits)."""
        async with self.runtime.sessions() as session:
            return await session.scalar(
                select(func.count())
                .select_from(db.link_requests)
                .where(db.link_requests.c.requested_at == moment)
            )

    async def ask_link(self, email: str | None, **headers: str) -> httpx.Response:
        """Ask for a new link as a browser does: the form's page first (cookie and token)."""
        page = await self.http.get("/access/request")
        csrf = csrf_of(page.text)
        data = {"csrf": csrf} if email is None else {"csrf": csrf, "email": email}
        return await self.http.post(
            "/access/request", data=data, headers={"Cookie": cookie_of(page), **headers}
        )

    async def events(
        self, routing_key: str, count: int = 1, timeout: float = 15.0
    ) -> list[Envelope[Any]]:
        async with asyncio.timeout(timeout):
            while len(found := [e for e in self.captured if e.routing_key == routing_key]) < count:
                await asyncio.sleep(0.05)
        return found


def cookie_of(answer: httpx.Response) -> str:
    """The first cookie the answer sets, as a Cookie header's ``name=value``."""
    return set_cookie(answer).split(";", 1)[0]


def set_cookie(answer: httpx.Response, name: str | None = None) -> str:
    """The Set-Cookie header of cookie ``name`` (the first one without a name)."""
    headers = answer.headers.get_list("set-cookie")
    return next(h for h in headers if name is None or h.startswith(f"{name}="))


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


@asynccontextmanager
async def running_portal(database_url: str, amqp_url: str, **extra: Any) -> AsyncIterator[Portal]:
    extra.setdefault("portal_link_keys", LINK_KEYS)
    extra.setdefault("portal_link_key_id", "k1")
    clock = SettableClock()  # the wall clock until a test sets it
    app = await service_app("portal", database_url, amqp_url, clock=clock, **extra)
    connection = await connect(amqp_url)
    captured: list[Envelope[Any]] = []
    async with serve(app) as url:
        app.state.settings.portal_base_url = url
        channel = await connection.channel()
        queue = await channel.declare_queue(exclusive=True)
        for key in ("portal.#", "notifier.#"):
            await queue.bind("encaisse.events", key)
            await queue.bind("encaisse.commands", key)

        async def on_message(message: aio_pika.abc.AbstractIncomingMessage) -> None:
            async with message.process():
                captured.append(decode(message.headers, message.content_type, message.body))

        await queue.consume(on_message)
        async with httpx.AsyncClient(base_url=url, timeout=30) as http:
            yield Portal(app, url, http, Publisher(connection), captured, clock)
        await connection.close()


def now() -> datetime:
    return datetime.now(UTC)
