"""Commands the notifier consumes: render the message and queue it, once per command.

The handler runs in the consumer's transaction, with the inbox row: the
message row (unique per tenant and idempotency key) commits with it or not at
all. Nothing leaves here; the sending loop (``encaisse.notifier.sending``)
takes queued rows. A second command with the same key finds its row and does
nothing; the same envelope delivered twice stops at the inbox.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from email.utils import parseaddr
from functools import partial
from typing import Any

from encaisse.bus import catalog
from encaisse.bus.consumer import Handlers, PermanentError
from encaisse.bus.topology import QueueSpec
from encaisse.bus.uow import UnitOfWork
from encaisse.contracts import Envelope
from encaisse.contracts.notifier import Channel, FailureReason, SendEmail, SendSms
from encaisse.kit.links import sign_link
from encaisse.notifier import repository as repo
from encaisse.notifier.mail import header_message_id
from encaisse.notifier.outcomes import valid_email, valid_phone
from encaisse.notifier.rendering import Rendered, Templates, message_context
from encaisse.notifier.settings import NotifierSettings

COMMANDS_QUEUE = catalog.NOTIFIER_COMMANDS
QUEUES: tuple[QueueSpec, ...] = (COMMANDS_QUEUE,)


def portal_link(
    settings: NotifierSettings, tenant: str, customer_ref: str, now: datetime
) -> str | None:
    """The debtor's signed portal link (never logged), or None when no key is configured."""
    if (
        not settings.portal_link_key_id
        or settings.portal_link_key_id not in settings.portal_link_keys
    ):
        return None
    token = sign_link(
        settings.portal_link_keys,
        settings.portal_link_key_id,
        tenant,
        customer_ref,
        now=now,
        ttl=timedelta(days=settings.portal_link_days),
    )
    return f"{settings.portal_base_url.rstrip('/')}/access/{token}"


def sender_of(settings: NotifierSettings, tenant: str) -> str:
    return settings.senders.get(tenant, settings.mail_from)


async def _render(
    uow: UnitOfWork,
    settings: NotifierSettings,
    cmd: SendEmail | SendSms,
    sender: str,
    now: datetime,
) -> Rendered:
    overrides = await repo.tenant_overrides(uow.session, cmd.tenant, cmd.template)
    variables = message_context(
        tenant=cmd.tenant,
        debtor=cmd.debtor,
        invoices=cmd.invoices,
        language=cmd.debtor.language,
        portal_link=portal_link(settings, cmd.tenant, cmd.debtor.customer_ref, now)
        if cmd.include_portal_link
        else None,
        context=cmd.context,
        sender_name=parseaddr(sender)[0] or cmd.tenant,
        today=now.astimezone(UTC).date(),
        step=cmd.step,
    )
    templates = Templates(overrides)
    try:
        if isinstance(cmd, SendEmail):
            return templates.render_email(cmd.template, cmd.debtor.language, variables)
        return templates.render_sms(cmd.template, cmd.debtor.language, variables)
    except Exception as exc:  # rendering is pure: what fails once fails on every try
        raise PermanentError(f"template {cmd.template!r}: {type(exc).__name__}: {exc}") from exc


def _row(
    envelope: Envelope[Any],
    cmd: SendEmail | SendSms,
    rendered: Rendered,
    settings: NotifierSettings,
    sender: str,
) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "tenant": cmd.tenant,
        "command_key": cmd.idempotency_key,
        "customer_ref": cmd.debtor.customer_ref,
        "case_id": cmd.case_id,
        "step": cmd.step,
        "template": cmd.template,
        "language": rendered.language,
        "sender": sender,
        "subject": rendered.subject,
        "body_text": rendered.text,
        "body_html": rendered.html,
        "header_message_id": header_message_id(
            cmd.tenant, cmd.idempotency_key, settings.message_id_domain
        ),
        "correlation_id": envelope.correlation_id,
        "causation_id": envelope.id,
        "status": "queued",
    }


async def _queue(uow: UnitOfWork, row: dict[str, Any], invalid: str | None) -> None:
    if invalid:
        row.update(
            status="failed",
            failure_reason=FailureReason.INVALID_ADDRESS.value,
            failure_detail=invalid,
            version=1,
        )
    if not await repo.insert_message(uow.session, row):
        return  # this command was already taken: one message per idempotency key
    if invalid:
        stored = await repo.find_by_reference(uow.session, message_id=row["id"])
        assert stored is not None  # inserted in this transaction
        payload = repo.report_payload(
            stored, "failed", reason=FailureReason.INVALID_ADDRESS, detail=invalid
        )
        await uow.publish(payload, subject=stored.id)


async def send_email(
    envelope: Envelope[SendEmail], uow: UnitOfWork, *, settings: NotifierSettings
) -> None:
    cmd = envelope.payload
    sender = sender_of(settings, cmd.tenant)
    rendered = await _render(uow, settings, cmd, sender, datetime.now(UTC))
    bad_to = [a for a in cmd.to if not valid_email(a)]
    row = _row(envelope, cmd, rendered, settings, sender) | {
        "channel": Channel.EMAIL.value,
        "recipient": cmd.to[0],
        "to_addresses": list(cmd.to),
        "cc_addresses": [a for a in cmd.cc if valid_email(a)],
        "attachments": [
            {"url": i.pdf_url, "filename": f"{i.invoice_number}.pdf"}
            for i in cmd.invoices
            if cmd.attach_invoice_pdfs and i.pdf_url
        ],
    }
    await _queue(uow, row, f"malformed address: {', '.join(bad_to)}" if bad_to else None)


async def send_sms(
    envelope: Envelope[SendSms], uow: UnitOfWork, *, settings: NotifierSettings
) -> None:
    cmd = envelope.payload
    rendered = await _render(uow, settings, cmd, settings.sms_sender, datetime.now(UTC))
    row = _row(envelope, cmd, rendered, settings, settings.sms_sender) | {
        "channel": Channel.SMS.value,
        "recipient": cmd.to,
        "to_addresses": [cmd.to],
        "cc_addresses": [],
    }
    invalid = None if valid_phone(cmd.to) else f"not an E.164 number: {cmd.to}"
    await _queue(uow, row, invalid)


def build_handlers(settings: NotifierSettings) -> Handlers:
    return {
        SendEmail: partial(send_email, settings=settings),
        SendSms: partial(send_sms, settings=settings),
    }
