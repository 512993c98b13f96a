"""Email over SMTP with aiosmtplib: composing, a connection pool, one transaction in steps.

The SMTP transaction is split (MAIL, RCPT, then a callback, then DATA) so that
the sending loop can record "DATA under way" in the database after the server
accepted the recipients and before the message itself goes: see
``encaisse.notifier.sending`` for why.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

import aiosmtplib

from encaisse.notifier.settings import NotifierSettings

log = logging.getLogger(__name__)


def header_message_id(tenant: str, command_key: str, domain: str) -> str:
    """A Message-ID that is the same for every try of one command: receivers that
    deduplicate on it, and our bounce parser, recognise the message."""
    digest = hashlib.sha256(f"{tenant}\x00{command_key}".encode()).hexdigest()[:40]
    return f"<{digest}@{domain}>"


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    maintype: str = "application"
    subtype: str = "pdf"


@dataclass(frozen=True)
class Email:
    sender: str
    to: Sequence[str]
    cc: Sequence[str]
    subject: str
    text: str
    html: str | None
    message_id: str
    date: datetime
    attachments: Sequence[Attachment] = field(default_factory=tuple)

    def compose(self) -> EmailMessage:
        msg = EmailMessage()
        msg["From"] = self.sender
        msg["To"] = ", ".join(self.to)
        if self.cc:
            msg["Cc"] = ", ".join(self.cc)
        msg["Subject"] = self.subject
        msg["Date"] = format_datetime(self.date)
        msg["Message-ID"] = self.message_id
        msg["Auto-Submitted"] = "auto-generated"
        msg.set_content(self.text)
        if self.html:
            msg.add_alternative(self.html, subtype="html")
        for item in self.attachments:
            msg.add_attachment(
                item.content, maintype=item.maintype, subtype=item.subtype, filename=item.filename
            )
        return msg

    @property
    def envelope_sender(self) -> str:
        return parseaddr(self.sender)[1]


class RecipientRefused(Exception):
    """A To address was refused at RCPT (carries the server's code and text)."""

    def __init__(self, recipient: str, code: int, message: str) -> None:
        super().__init__(f"{recipient}: {code} {message}")
        self.recipient, self.code, self.message = recipient, code, message


class DataUncertain(Exception):
    """The connection broke during DATA: the server may or may not have the message."""


async def transmit(
    conn: aiosmtplib.SMTP, email: Email, before_data: Callable[[], Awaitable[None]]
) -> list[str]:
    """One SMTP transaction. Returns the Cc addresses the server refused (dropped).

    ``before_data`` runs once every recipient is accepted; if it raises, the
    transaction is abandoned (RSET) and nothing is sent.
    Raises ``RecipientRefused`` for a To address, ``aiosmtplib.SMTPResponseException``
    for a refusal of MAIL or DATA, ``DataUncertain`` for a break during DATA, and
    connection errors before DATA as they come.

    The message is composed first: between ``before_data`` (which records that DATA
    starts) and the DATA exchange nothing may run that a crash could interrupt, or the
    email would be recorded as possibly sent while it never left.
    """
    payload = email.compose().as_bytes()
    await conn.mail(email.envelope_sender)
    refused_cc = []
    for address in (*email.to, *email.cc):
        try:
            await conn.rcpt(address)
        except aiosmtplib.SMTPRecipientRefused as exc:
            if address in email.to:
                await _reset(conn)
                raise RecipientRefused(address, exc.code, exc.message) from exc
            refused_cc.append(address)
    try:
        await before_data()
    except BaseException:
        await _reset(conn)
        raise
    try:
        await conn.data(payload)
    except aiosmtplib.SMTPResponseException:
        raise  # the server answered: it did not take the message
    except (TimeoutError, aiosmtplib.SMTPException, OSError) as exc:
        raise DataUncertain(repr(exc)) from exc
    return refused_cc


async def _reset(conn: aiosmtplib.SMTP) -> None:
    try:
        await conn.rset()
    except Exception:
        conn.close()


class SmtpPool:
    """Up to ``size`` open SMTP connections, reused between messages.

    A connection idle for longer than ``check_after`` is checked with NOOP before
    reuse; one that failed is closed, never handed out again.
    """

    def __init__(
        self, settings: NotifierSettings, *, size: int | None = None, check_after: float = 10.0
    ) -> None:
        self._settings = settings
        self._slots = asyncio.Semaphore(size or settings.smtp_pool_size)
        self._idle: list[tuple[aiosmtplib.SMTP, float]] = []
        self._check_after = check_after
        self.opened = 0

    def _new(self) -> aiosmtplib.SMTP:
        s = self._settings
        return aiosmtplib.SMTP(
            hostname=s.smtp_host,
            port=s.smtp_port,
            timeout=s.smtp_timeout_seconds,
            use_tls=s.smtp_tls == "tls",
            start_tls=s.smtp_tls == "starttls",
            validate_certs=s.smtp_validate_certs,
            username=s.smtp_username,
            cert_bundle=str(s.smtp_ca_file) if s.smtp_ca_file else None,
            password=s.smtp_password,
        )

    async def _take(self) -> aiosmtplib.SMTP:
        while self._idle:
            conn, since = self._idle.pop()
            if not conn.is_connected:
                continue
            if time.monotonic() - since > self._check_after:
                try:
                    await conn.noop()
                except Exception:
                    conn.close()
                    continue
            return conn
        conn = self._new()
        await conn.connect()
        self.opened += 1
        return conn

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[aiosmtplib.SMTP]:
        async with self._slots:
            conn = await self._take()
            healthy = False
            try:
                yield conn
                healthy = True
            finally:
                if healthy and conn.is_connected:
                    self._idle.append((conn, time.monotonic()))
                else:
                    conn.close()

    async def close(self) -> None:
        idle, self._idle = self._idle, []
        for conn, _ in idle:
            try:
                await asyncio.wait_for(conn.quit(), 2)
            except Exception:
                conn.close()


class OneShot:
    """No pooling: a new connection per message, closed after (the benchmark's baseline)."""

    def __init__(self, settings: NotifierSettings) -> None:
        self._pool = SmtpPool(settings, size=1_000_000)
        self.opened = 0

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[aiosmtplib.SMTP]:
        conn = self._pool._new()
        await conn.connect()
        self.opened += 1
        try:
            yield conn
        finally:
            try:
                await conn.quit()
            except Exception:
                conn.close()

    async def close(self) -> None:
        return None
