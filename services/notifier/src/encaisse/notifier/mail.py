"""Email over SMTP with aiosmtplib: composing, a connection pool, one transaction in steps.

The SMTP transaction is split (MAIL, RCPT, then a callback, then DATA) so that
the sending pool can record "DATA under way" in the database after the server
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
    smtp: aiosmtplib.SMTP, email: Email, before_data: Callable[[], Awaitable[None]]
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
    await smtp.mail(email.envelope_sender)
    refused_cc = []
    for address in (*email.to, *email.cc):
        try:
            await smtp.rcpt(address)
        except aiosmtplib.SMTPRecipientRefused as exc:
            if address in email.to:
                await _reset(smtp)
                raise RecipientRefused(address, exc.code, exc.message) from exc
            refused_cc.append(address)
    try:
        await before_data()
    except BaseException:
        await _reset(smtp)
        raise
    try:
        await smtp.data(payload)
    except aiosmtplib.SMTPResponseException:
        raise  # the server answered: it did not take the message
    except (TimeoutError, aiosmtplib.SMTPException, OSError) as exc:
        raise DataUncertain(repr(exc)) from exc
    return refused_cc


async def _reset(smtp: aiosmtplib.SMTP) -> None:
    try:
        await smtp.rset()
    except Exception:
        smtp.close()


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
        settings = self._settings
        return aiosmtplib.SMTP(
            hostname=settings.smtp_host,
            port=settings.smtp_port,
            timeout=settings.smtp_timeout_seconds,
            use_tls=settings.smtp_tls == "tls",
            start_tls=settings.smtp_tls == "starttls",
            validate_certs=settings.smtp_validate_certs,
            username=settings.smtp_username,
            cert_bundle=str(settings.smtp_ca_file) if settings.smtp_ca_file else None,
            password=settings.smtp_password,
        )

    async def _take(self) -> aiosmtplib.SMTP:
        while self._idle:
            smtp, since = self._idle.pop()
            if not smtp.is_connected:
                continue
            if time.monotonic() - since > self._check_after:
                try:
                    await smtp.noop()
                except Exception:
                    smtp.close()
                    continue
            return smtp
        smtp = self._new()
        await smtp.connect()
        self.opened += 1
        return smtp

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[aiosmtplib.SMTP]:
        async with self._slots:
            smtp = await self._take()
            healthy = False
            try:
                yield smtp
                healthy = True
            finally:
                if healthy and smtp.is_connected:
                    self._idle.append((smtp, time.monotonic()))
                else:
                    smtp.close()

    async def close(self) -> None:
        idle, self._idle = self._idle, []
        for smtp, _ in idle:
            try:
                await asyncio.wait_for(smtp.quit(), 2)
            except Exception:
                smtp.close()


class OneShot:
    """No pooling: a new connection per message, closed after (the benchmark's baseline)."""

    def __init__(self, settings: NotifierSettings) -> None:
        self._pool = SmtpPool(settings, size=1_000_000)
        self.opened = 0

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[aiosmtplib.SMTP]:
        smtp = self._pool._new()
        await smtp.connect()
        self.opened += 1
        try:
            yield smtp
        finally:
            try:
                await smtp.quit()
            except Exception:
                smtp.close()

    async def close(self) -> None:
        return None
