"""Messages waiting for the sending window (a thank-you, an act sent again), as the day
run finds them due: taken off the table in the batch's transaction and sent to the
customer as it is now."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from encaisse.contracts import Envelope
from encaisse.scheduler.domain.contacts import route
from encaisse.scheduler.domain.planning import TrackState
from encaisse.scheduler.domain.scenarios import MESSAGE_CHANNELS, Means
from encaisse.scheduler.domain.windows import local_day
from encaisse.scheduler.repository.batch import Batch
from encaisse.scheduler.repository.rows import contacts_from_row, timeline_row
from encaisse.scheduler.usecases import commands
from encaisse.scheduler.usecases.messages import REPLIES, payment_lines, with_balance


def add_deferred(
    batch: Batch,
    notice_deadline_days: int,
    customer: Any,
    d: Any,
    invoices: dict[tuple[str, str], Any],
    used: set[tuple[str, Any]],
    fallback_language: str | None = None,
) -> None:
    """A message that waited (a thank-you, an act sent again), sent to the customer as it
    is now."""
    tenant, ref = customer.tenant, customer.customer_ref
    person = contacts_from_row(customer)
    channel = Means(d.channel)
    known = [invoices[(tenant, n)] for n in d.invoice_numbers if (tenant, n) in invoices]
    if d.resend:  # a scenario act again: the invoices still followed, as they are now
        rows = [r for r in known if r.state == TrackState.ACTIVE.value and not r.excluded]
    else:  # a thank-you and the like: the invoices as they were when it was decided
        rows = [
            with_balance(r, Decimal(d.balances[r.invoice_number])) for r in known if not r.excluded
        ]
    reason = route(channel, person).reason or (
        ""
        if rows
        else "invoices paid, paused or excluded since"
        if d.resend
        else "invoices excluded"
    )
    entry = dict(channel=d.channel, step=d.step, template=d.template, command_key=d.command_key)
    if person.excluded or reason:
        batch.timeline.append(
            timeline_row(
                tenant,
                ref,
                d.case_id,
                batch.now,
                "skipped",
                d.invoice_numbers,
                **entry,
                detail=reason or "customer excluded",
            )
        )
        batch.stats.skipped += 1
        return
    today = local_day(batch.now, person.timezone)
    command = commands.outside_scenario(
        tenant=tenant,
        channel=channel,
        template=d.template,
        step=d.step,
        key=d.command_key,
        case_id=d.case_id,
        customer=customer,
        invoices=rows,
        day=today,
        notice_deadline_days=notice_deadline_days,
        context=d.context,
        payments=payment_lines(d.payments),
        fallback_language=fallback_language,
    )
    if command is None:
        return
    batch.messages.append(Envelope(payload=command, subject=d.case_id or ref))
    if channel in MESSAGE_CHANNELS and d.template not in REPLIES:  # a reply is no contact
        batch.channel_days.append(
            {"tenant": tenant, "customer_ref": ref, "channel": channel.value, "day": today}
        )
        used.add((channel.value, today))  # a reminder on it today waits for the next day
    batch.timeline.append(
        timeline_row(
            tenant, ref, d.case_id, batch.now, "done", [r.invoice_number for r in rows], **entry
        )
    )
    batch.stats.commands += 1
