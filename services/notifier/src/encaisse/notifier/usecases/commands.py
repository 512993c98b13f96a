"""A command to send an email or an SMS: render it and queue it, once per command.

It runs in the consumer's transaction, with the inbox row: the message row (unique per
tenant and idempotency key) commits with it or not at all. Nothing leaves here; the
sending pool (``encaisse.notifier.sending``) takes queued rows. A second command with
the same key finds its row and does nothing; the same envelope delivered twice stops at
the inbox.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from email.utils import parseaddr
from typing import TYPE_CHECKING, Any

from encaisse.bus.consumer import PermanentError
from encaisse.bus.uow import UnitOfWork
from encaisse.contracts import Envelope
from encaisse.contracts.notifier import Channel, FailureReason, SendEmail, SendSms
from encaisse.kit.links import sign_link
from encaisse.notifier import repository as repo
from encaisse.notifier.domain.content import message_context
from encaisse.notifier.domain.outcomes import valid_email, valid_phone
from encaisse.notifier.mail import header_message_id
from encaisse.notifier.rendering import Rendered, Templates
from encaisse.notifier.settings import NotifierSettings

if TYPE_CHECKING:  # the composition root imports this module
    from encaisse.notifier.app import NotifierParts


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


def from_address(settings: NotifierSettings, tenant: str) -> str:
    """The From of a tenant's emails: its own (``ENCAISSE_SENDERS``), else ``MAIL_FROM``."""
    return settings.senders.get(tenant, settings.mail_from)


async def _render(
    uow: UnitOfWork, parts: NotifierParts, cmd: SendEmail | SendSms, from_: str
) -> Rendered:
    settings, now = parts.settings, parts.clock.now()
    overrides = await repo.tenant_overrides(uow.session, cmd.tenant, cmd.template)
    templates = Templates(overrides)
    fallback = cmd.debtor.fallback_language
    link = (
        portal_link(settings, cmd.tenant, cmd.debtor.customer_ref, now)
        if cmd.include_portal_link
        else None
    )
    try:
        # the debtor's language, else the tenant's (``Debtor.fallback_language``): dates and
        # amounts are written in the template's language, at the debtor's country
        language = templates.language_for(cmd.template, cmd.debtor.language, fallback)
        variables = message_context(
            tenant=cmd.tenant,
            debtor=cmd.debtor,
            invoices=cmd.invoices,
            language=language,
            portal_link=link,
            context=cmd.context,
            sender_name=parseaddr(from_)[0] or cmd.tenant,
            today=now.astimezone(UTC).date(),
            step=cmd.step,
            payments=cmd.payments if isinstance(cmd, SendEmail) else (),
            position=cmd.position,
        )
        if isinstance(cmd, SendEmail):
            return templates.render_email(cmd.template, language, variables)
        return templates.render_sms(cmd.template, language, variables)
    except Exception as exc:  # rendering is pure: what fails once fails on every try
        raise PermanentError(f"template {cmd.template!r}: {type(exc).__name__}: {exc}") from exc


def _row(
    envelope: Envelope[Any],
    cmd: SendEmail | SendSms,
    rendered: Rendered,
    settings: NotifierSettings,
    from_: str,
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
        "sender": from_,
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
        payload = repo.message_event(
            stored, "failed", reason=FailureReason.INVALID_ADDRESS, detail=invalid
        )
        await uow.publish(payload, subject=stored.id)


async def queue_email(uow: UnitOfWork, parts: NotifierParts, envelope: Envelope[SendEmail]) -> None:
    """Render the email and queue it; a malformed To fails it at once (``invalid_address``)."""
    cmd = envelope.payload
    from_ = from_address(parts.settings, cmd.tenant)
    rendered = await _render(uow, parts, cmd, from_)
    bad_to = [a for a in cmd.to if not valid_email(a)]
    row = _row(envelope, cmd, rendered, parts.settings, from_) | {
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


async def queue_sms(uow: UnitOfWork, parts: NotifierParts, envelope: Envelope[SendSms]) -> None:
    """Render the SMS and queue it; a number that is not E.164 fails it at once."""
    cmd = envelope.payload
    from_ = parts.settings.sms_sender
    rendered = await _render(uow, parts, cmd, from_)
    row = _row(envelope, cmd, rendered, parts.settings, from_) | {
        "channel": Channel.SMS.value,
        "recipient": cmd.to,
        "to_addresses": [cmd.to],
        "cc_addresses": [],
    }
    invalid = None if valid_phone(cmd.to) else f"not an E.164 number: {cmd.to}"
    await _queue(uow, row, invalid)
