"""Turning a group of due actions into the command its recipient needs."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from encaisse.contracts import Command, Money
from encaisse.contracts.common import Debtor, InvoiceLine, PaymentLine
from encaisse.contracts.ledger import PostalAddress
from encaisse.contracts.letters import FormalNotice, LetterKind, SendLetter
from encaisse.contracts.notifier import SendEmail, SendSms
from encaisse.contracts.portal import PostNotice
from encaisse.scheduler.domain.scenarios import Means, Step

EMAIL_TEMPLATES = {
    "courtesy_reminder",
    "first_reminder",
    "second_reminder",
    "third_reminder",
    "thank_you",
    "direct_debit_rejected",
    "dispute_acknowledged",
    "promise_confirmed",
}


def command_key(case_id: str | None, step: str, channel: str, day: date) -> str:
    """Names the act: the same case, step, channel and day is the same message."""
    return f"{case_id}:{step}:{channel}:{day.isoformat()}"


def template_for(step: Step, channel: Means) -> str:
    """The step's template on its own channel; a sensible one when a failure re-routes it."""
    if channel is step.channel:
        return step.template
    if channel is Means.LETTER:
        return "reminder_letter"
    if channel is Means.REGISTERED_LETTER:
        return "formal_notice"
    if channel is Means.EMAIL and step.template not in EMAIL_TEMPLATES:
        return "second_reminder"
    return step.template


def debtor(customer: Any, fallback_language: str | None = None) -> Debtor:
    """``fallback_language``: the tenant's, read when no template exists in the debtor's."""
    return Debtor(
        customer_ref=customer.customer_ref,
        name=customer.name or customer.customer_ref,
        language=customer.language,
        timezone=customer.timezone,
        country=customer.country,
        fallback_language=fallback_language,
    )


def invoice_line(track: Any) -> InvoiceLine:
    return InvoiceLine(
        invoice_number=track.invoice_number,
        issue_date=track.issue_date,
        due_date=track.due_date,
        amount=Money(amount=track.amount, currency=track.currency),
        open_balance=Money(amount=track.open_balance, currency=track.currency),
        pdf_url=track.pdf_url,
    )


def build(
    *,
    tenant: str,
    channel: Means,
    step: Step,
    key: str,
    case_id: str | None,
    customer: Any,
    invoices: Sequence[Any],
    day: date,
    notice_deadline_days: int,
    template: str | None = None,
    context: dict[str, str] | None = None,
    fallback_language: str | None = None,
) -> Command | None:
    """The command for one group; None for a channel that is not a message (call, escalation)."""
    lines = tuple(invoice_line(t) for t in invoices)
    common = dict(
        tenant=tenant,
        idempotency_key=key,
        case_id=case_id,
        step=step.key,
        debtor=debtor(customer, fallback_language),
    )
    template = template or template_for(step, channel)
    if channel is Means.EMAIL:
        cc = (customer.sales_rep_email,) if step.cc_sales_rep and customer.sales_rep_email else ()
        return SendEmail(
            **common,
            template=template,
            to=(customer.email,),
            cc=cc,
            invoices=lines,
            attach_invoice_pdfs=any(t.pdf_url for t in invoices),
            context=context or {},
        )
    if channel is Means.SMS:
        return SendSms(
            **common, template=template, to=customer.phone, invoices=lines, context=context or {}
        )
    if channel in (Means.LETTER, Means.REGISTERED_LETTER):
        registered = channel is Means.REGISTERED_LETTER
        notice = (
            FormalNotice(
                penalties_computed_on=day,
                payment_deadline=day + timedelta(days=notice_deadline_days),
                business_customer=customer.segment != "individual",
            )
            if registered
            else None
        )
        return SendLetter(
            **common,
            kind=LetterKind.REGISTERED if registered else LetterKind.SIMPLE,
            template=template,
            address=PostalAddress(**customer.address),
            invoices=lines,
            formal_notice=notice,
            dated_on=day,
        )
    if channel is Means.PORTAL_NOTICE:
        return PostNotice(**common, template=template, invoices=lines)
    return None


def outside_scenario(
    *,
    tenant: str,
    channel: Means,
    template: str,
    step: str,
    key: str,
    case_id: str | None,
    customer: Any,
    invoices: Sequence[Any],
    day: date,
    notice_deadline_days: int,
    context: dict[str, str] | None = None,
    payments: tuple[PaymentLine, ...] = (),
    fallback_language: str | None = None,
) -> Command | None:
    """A message that is no scenario step (thank-you, acknowledgment, re-routed step);
    ``payments``: those a thank-you lists."""
    command = build(
        tenant=tenant,
        channel=channel,
        step=Step(0, channel, template),
        key=key,
        case_id=case_id,
        customer=customer,
        invoices=invoices,
        day=day,
        notice_deadline_days=notice_deadline_days,
        template=template,
        context=context,
        fallback_language=fallback_language,
    )
    if command is None:
        return None
    if isinstance(command, SendEmail) and payments:
        return command.model_copy(update={"step": step, "payments": payments})
    return command.model_copy(update={"step": step})
