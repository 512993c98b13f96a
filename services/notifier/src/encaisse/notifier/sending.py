"""The sending pool: takes queued messages and sends each once, even across a crash.

Why not send from the bus handler: the handler's transaction (inbox + message
row) must commit before anything leaves, else a crash after the send and
before the commit would redeliver the command and send again. So the handler
only queues; this pool sends, in steps that each commit:

1. claim a batch of due rows with a lease (``FOR UPDATE SKIP LOCKED``: any
   number of replicas share the work);
2. SMTP MAIL and RCPT on a pooled connection: a refusal here is final (5xx) or
   retried later (4xx, connection), and nothing was sent;
3. commit the row as ``sending`` (only if our lease still holds);
4. DATA, with a Message-ID derived from the command's key;
5. commit ``sent`` with its ``MessageSent`` event in the outbox.

The MIME message is composed before 1, so that between 3 and 4 nothing runs but
the commit's answer. A crash before 3 leaves the row ``queued``: after the lease
it is sent again, safely, since the server never got the message. A crash between
3 and 5 (the server may have it) leaves ``sending``: once the lease is over,
``reconcile`` (every second, through ``Runtime.every``) keeps it as sent, flagged
``uncertain``, does not send it again, and publishes ``MessageUncertain`` (not
``MessageSent``); so does a connection that breaks during DATA. The scheduler opens a
``check_delivery`` task on it: a person checks the relay's logs or asks the debtor, and
sends it again by hand if need be.

Limits: at most once in that window, and never silently: an email lost there is
reported uncertain, with a task. The stable Message-ID lets receivers that
deduplicate on it fold a manual resend. A lease
must outlast a send (``send_lease_seconds`` > 2 x ``smtp_timeout_seconds``).
SMS goes the other way (at least once, deduplicated by the provider on our key).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from datetime import timedelta
from typing import Any

import aiosmtplib
import httpx
from prometheus_client import Counter
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from encaisse.contracts.notifier import Channel, FailureReason
from encaisse.kit.clock import Clock
from encaisse.kit.documents import DocumentRefused, DocumentUnavailable, fetch_document
from encaisse.notifier import repository as repo
from encaisse.notifier.domain.outcomes import Failure, next_delay, smtp_reply
from encaisse.notifier.mail import Attachment, DataUncertain, Email, RecipientRefused, transmit
from encaisse.notifier.repository import MessageRow
from encaisse.notifier.settings import NotifierSettings
from encaisse.notifier.sms import SmsFailure, SmsProvider

log = logging.getLogger(__name__)

OUTCOMES = Counter(
    "encaisse_notifier_sends_total",
    "tries to send a message, by channel and outcome (sent, uncertain, retried, failed)",
    ["channel", "outcome"],
)

RECONCILE_SECONDS = 1.0


async def reconcile(sessions: async_sessionmaker[AsyncSession]) -> None:
    """Messages a stopped sender left during DATA (its lease over): counted as sent,
    uncertain (``repository.reconcile``)."""
    async with sessions() as session, session.begin():
        if await repo.reconcile(session):
            log.warning("messages left during DATA by a stopped sender counted as sent")


class LeaseLost(Exception):
    """Another sender took the row (our lease ran out): leave it to them."""


class SendingPool:
    """Keeps up to ``send_batch_size`` messages in flight over the SMTP pool and the SMS
    provider, claiming more as they finish; ``stop`` lets those in flight finish."""

    def __init__(
        self,
        settings: NotifierSettings,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        smtp_pool: Any,
        sms: SmsProvider,
        http: httpx.AsyncClient,
    ) -> None:
        self._settings = settings
        self._sessions = sessions
        self._clock = clock
        self._smtp_pool = smtp_pool  # an SmtpPool (or the benchmark's OneShot)
        self._sms = sms
        self._http = http
        self._stopping = asyncio.Event()

    async def run(self) -> None:
        """Until ``stop``: claim what is due, as room frees up."""
        in_flight: set[asyncio.Task[None]] = set()
        while not self._stopping.is_set():
            room = self._settings.send_batch_size - len(in_flight)
            try:
                rows = await self._claim(room) if room > 0 else []
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("sending pool failed to claim; retrying")
                rows = []
            for row in rows:
                task = asyncio.create_task(self.send(row))
                in_flight.add(task)
                task.add_done_callback(in_flight.discard)
            if rows and len(rows) == room:
                await asyncio.wait(in_flight, return_when=asyncio.FIRST_COMPLETED)
            else:  # nothing more is due for now, or no room: wait for a finish or a while
                await self._idle(in_flight)
        await asyncio.gather(*in_flight, return_exceptions=True)

    async def _idle(self, in_flight: set[asyncio.Task[None]]) -> None:
        """Wait for a message to finish, for ``stop``, or for the idle delay."""
        stopping = asyncio.ensure_future(self._stopping.wait())
        try:
            await asyncio.wait(
                {stopping, *in_flight},
                timeout=self._settings.send_idle_seconds,
                return_when=asyncio.FIRST_COMPLETED,
            )
        finally:
            stopping.cancel()

    def stop(self) -> None:
        self._stopping.set()

    async def _claim(self, room: int) -> list[MessageRow]:
        async with self._sessions() as session, session.begin():
            return await repo.claim(
                session, batch=room, lease=timedelta(seconds=self._settings.send_lease_seconds)
            )

    async def send(self, row: MessageRow) -> None:
        try:
            if row.channel == Channel.SMS.value:
                await self._send_sms(row)
            else:
                await self._send_email(row)
        except LeaseLost:
            log.warning("message %s: lease lost, left to the sender holding it", row.id)
        except Exception:  # the database failed us: the lease runs out, then it is tried again
            log.exception("message %s: could not be sent or recorded", row.id)

    async def _mark_sending(self, row: MessageRow, attachments: list[dict[str, Any]]) -> None:
        async with self._sessions() as session, session.begin():
            if not await repo.mark_sending(session, row, attachments):
                raise LeaseLost(row.id)

    async def _send_email(self, row: MessageRow) -> None:
        try:
            files, evidence = await self._attachments(row)
        except DocumentUnavailable as exc:
            await self._failed(row, Failure(None, f"attachment: {exc}"))
            return
        email = Email(
            sender=row.sender,
            to=row.to_addresses,
            cc=row.cc_addresses,
            subject=row.subject,
            text=row.body_text,
            html=row.body_html,
            message_id=row.header_message_id,
            date=self._clock.now(),
            attachments=files,
        )
        try:
            async with self._smtp_pool.connection() as smtp:
                refused = await transmit(smtp, email, lambda: self._mark_sending(row, evidence))
        except RecipientRefused as exc:
            await self._failed(row, smtp_reply(exc.code, exc.message, at_recipient=True))
        except DataUncertain as exc:
            await self._sent(row, note=f"connection broke during DATA: {exc}", uncertain=True)
        except aiosmtplib.SMTPResponseException as exc:
            await self._failed(row, smtp_reply(exc.code, exc.message, at_recipient=False))
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            await self._failed(row, Failure(None, f"connection: {exc!r}"))
        else:
            await self._sent(row, note=f"cc refused: {', '.join(refused)}" if refused else None)

    async def _send_sms(self, row: MessageRow) -> None:
        await self._mark_sending(row, [])
        try:
            ref = await self._sms.send(
                to=row.recipient,
                text=row.body_text,
                sender=row.sender,
                key=f"{row.tenant}:{row.command_key}",
            )
        except SmsFailure as exc:
            await self._failed(row, exc.failure)
            return
        await self._sent(row, provider_ref=ref)

    async def _sent(self, row: MessageRow, **kwargs: Any) -> None:
        async with self._sessions() as session, session.begin():
            await repo.mark_sent(session, row, **kwargs)
        OUTCOMES.labels(row.channel, "uncertain" if kwargs.get("uncertain") else "sent").inc()

    async def _failed(self, row: MessageRow, failure: Failure) -> None:
        """A final failure is reported; a transient one waits its turn, until the delays run out."""
        async with self._sessions() as session, session.begin():
            if failure.transient:
                delay = next_delay(row.attempts, self._settings.send_retry_delays_ms)
                if delay is not None:
                    log.warning(
                        "message %s: try %d failed, retrying: %s",
                        row.id,
                        row.attempts,
                        failure.detail,
                    )
                    await repo.reschedule(session, row, delay, failure.detail)
                    OUTCOMES.labels(row.channel, "retried").inc()
                    return
            reason = failure.reason or FailureReason.PROVIDER_ERROR
            await repo.mark_failed(session, row.id, reason, failure.detail)
        OUTCOMES.labels(row.channel, "failed").inc()

    async def _attachments(self, row: MessageRow) -> tuple[list[Attachment], list[dict[str, Any]]]:
        """Fetch invoice PDFs; one refused (an origin not allowed, over the size limit,
        missing) is left out, and said so; one unavailable now retries the send."""
        files, evidence = [], []
        policy = self._settings.document_policy(self._settings.attachment_max_bytes)
        for item in row.attachments:
            try:
                content = await fetch_document(self._http, policy, row.tenant, item["url"])
            except DocumentRefused as exc:
                evidence.append({**item, "skipped": str(exc)})
                continue
            files.append(Attachment(item["filename"], content))
            evidence.append(
                {**item, "size": len(content), "sha256": hashlib.sha256(content).hexdigest()}
            )
        return files, evidence
