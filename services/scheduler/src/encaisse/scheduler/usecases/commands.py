"""Turning a group of due actions into the command its recipient needs."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from encaisse.contracts import Command, Money
from encaisse.contracts.common import Debtor, InvoiceLine, PaymentLine, Position, PositionLine
from encaisse.contracts.ledger import PostalAddress
from encaisse.contracts.letters import FormalNotice, LetterKind, SendLetter
from encaisse.contracts.notifier import SendEmail, SendSms
from encaisse.contracts.portal import PostNotice
from encaisse.scheduler.domain.contacts import Person, recipient
from encaisse.scheduler.domain.scenarios import Means, Step
from encaisse.scheduler.repository.rows import contacts_from_row

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


def addressee(channel: Means, step: Step, customer: Any) -> Person | None:
    """Whom the step on ``channel`` goes to, from the customer's row: its role's person,
    else the billing contact, else the dunning contact (``domain.contacts.recipient``)."""
    return recipient(channel, contacts_from_row(customer), step.role)


def call_note(step: Step, customer: Any) -> str:
    """A call task's note: the step, and whom to call (name, role, phone, hours)."""
    note = f"{step.template} ({Means.CALL.value})"
    person = addressee(Means.CALL, step, customer)
    if person is None:
        return note
    who = ", ".join(
        part
        for part in (person.name, person.role.replace("_", " "), person.phone, person.hours)
        if part
    )
    return f"{note}: call {who}"


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


def position(tracks: Sequence[Any], today: date) -> Position:
    """The customer's whole position on ``today`` (the account statement): ``tracks``, the
    invoices followed as the caller finds them now (the day run: after its decision, so
    that an invoice whose promise broke that run is in), overdue (oldest first) then not
    yet due, and totals per currency. Excluded or settled ones are left out."""
    lines = sorted(
        (_position_line(t, today) for t in tracks if not t.excluded and t.open_balance > 0),
        key=lambda p: (p.due_date, p.invoice_number),
    )
    overdue = tuple(p for p in lines if p.days_overdue > 0)
    soon = tuple(p for p in lines if p.days_overdue <= 0)
    return Position(
        as_of=today,
        overdue=overdue,
        soon_due=soon,
        overdue_totals=_totals(overdue),
        outstanding_totals=_totals(lines),
    )


def _position_line(track: Any, today: date) -> PositionLine:
    """The fields given directly (the day run builds one per open invoice of each customer it
    writes to: going through ``invoice_line`` and a dump cost three times as much)."""
    return PositionLine(
        invoice_number=track.invoice_number,
        issue_date=track.issue_date,
        due_date=track.due_date,
        amount=Money(amount=track.amount, currency=track.currency),
        open_balance=Money(amount=track.open_balance, currency=track.currency),
        pdf_url=track.pdf_url,
        days_overdue=(today - track.due_date).days,
    )


def _totals(lines: Sequence[PositionLine]) -> tuple[Money, ...]:
    sums: dict[str, Decimal] = {}
    for line in lines:
        currency = line.open_balance.currency
        sums[currency] = sums.get(currency, Decimal(0)) + line.open_balance.amount
    return tuple(Money(amount=a, currency=c) for c, a in sorted(sums.items()))


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
    position: Position | None = None,
    fallback_language: str | None = None,
) -> Command | None:
    """The command for one group; None for a channel that is not a message (call, escalation).

    ``invoices``: what the act demands; ``position``: the whole statement it shows."""
    lines = tuple(invoice_line(t) for t in invoices)
    common = dict(
        tenant=tenant,
        idempotency_key=key,
        case_id=case_id,
        step=step.key,
        debtor=debtor(customer, fallback_language),
    )
    template = template or template_for(step, channel)
    person = addressee(channel, step, customer)
    if channel is Means.EMAIL:
        cc = (customer.sales_rep_email,) if step.cc_sales_rep and customer.sales_rep_email else ()
        return SendEmail(
            **common,
            template=template,
            to=(person.email if person else customer.email,),
            cc=cc,
            invoices=lines,
            attach_invoice_pdfs=any(t.pdf_url for t in invoices),
            context=context or {},
            position=position,
        )
    if channel is Means.SMS:
        return SendSms(
            **common,
            template=template,
            to=person.phone if person else customer.phone,
            invoices=lines,
            context=context or {},
            position=position,
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
            position=position,
        )
    if channel is Means.PORTAL_NOTICE:
        return PostNotice(**common, template=template, invoices=lines, position=position)
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
    position: Position | None = None,
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
        position=position,
        fallback_language=fallback_language,
    )
    if command is None:
        return None
    if isinstance(command, SendEmail) and payments:
        return command.model_copy(update={"step": step, "payments": payments})
    return command.model_copy(update={"step": step})
