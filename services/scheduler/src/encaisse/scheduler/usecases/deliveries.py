"""What the scheduler does when a channel reports on what it was asked to send.

A wrong contact (a bounce, an unknown address) switches to the next channel and asks
for the contact to be fixed; a provider that failed (an SMTP relay down longer than
the notifier's retries) is not the debtor's doing: the same act goes again at the
first open slot an hour later, up to ``MAX_RESENDS`` times, only for the invoices
still active then (never once paid or paused), then becomes a task; an email that
may not have left asks a person to check.
Each runs in the caller's unit of work, holding the customer's row lock.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from encaisse.contracts.scheduler import TaskKind
from encaisse.scheduler.domain.contacts import fallback, mark_wrong, route
from encaisse.scheduler.domain.planning import TrackState
from encaisse.scheduler.domain.scenarios import Means, Step
from encaisse.scheduler.domain.windows import next_open_slot
from encaisse.scheduler.repository import customers, timeline, tracks
from encaisse.scheduler.repository.rows import people_to_json
from encaisse.scheduler.usecases import commands
from encaisse.scheduler.usecases.context import Context
from encaisse.scheduler.usecases.messages import defer, send
from encaisse.scheduler.usecases.tasks import create_task

RESEND_AFTER = timedelta(hours=1)
MAX_RESENDS = 3
AGAIN = "~again"
NEXT_CONTACT = "~next-contact"  # an act sent again to the next contact after a bounce

CONTACT_FLAGS = {
    Means.EMAIL: "email_ok",
    Means.SMS: "phone_ok",
    Means.CALL: "phone_ok",
    Means.LETTER: "address_ok",
    Means.REGISTERED_LETTER: "address_ok",
}


async def delivery_failed(
    ctx: Context,
    channel: Means,
    command_key: str,
    detail: str,
    *,
    contact_wrong: bool,
    recipient: str | None = None,
) -> None:
    """Record the anomaly; a wrong contact switches to the next channel and asks for a fix.

    ``command_key`` names what failed: a command, or ``task:<id>`` for a call task whose
    number was wrong. What it was about goes out again on the next available channel,
    for the invoices still active (not paid, paused or excluded since). When the wrong
    ``recipient`` was a person with a role (not the billing contact), that person is
    marked, and the act goes again on the same channel to whom it reaches next (the
    billing contact, else the dunning contact) when there is one.
    """
    await timeline.add(
        ctx.uow.session,
        [
            ctx.timeline(
                "anomaly", [], channel=channel.value, command_key=command_key, detail=detail
            )
        ],
    )
    if not contact_wrong:
        return
    people, billing = mark_wrong(ctx.customer, channel, recipient)
    flags: dict[str, Any] = {CONTACT_FLAGS[channel]: False} if billing else {}
    if people != ctx.customer.people:
        flags["contacts"] = people_to_json(people)
    await customers.change(ctx.uow.session, ctx.tenant, ctx.ref, **flags)
    await ctx.relock()
    whose = "" if billing else f" to {recipient}"
    await create_task(ctx, TaskKind.FIX_CONTACT, [], note=f"{channel.value}{whose}: {detail}")
    sent = await _sent_as(ctx, command_key)
    if sent is None or (sent.kind == "task" and sent.channel != channel.value):
        return
    rows = await _active(ctx, sent.invoice_numbers)
    before_due = all(r.due_date >= ctx.today for r in rows)
    # a person with a role was wrong: the billing or dunning contact may still be right
    same = not billing and route(channel, ctx.customer).channel is channel
    other = channel if same else fallback(channel, ctx.customer, before_due=before_due)
    if not rows or other is None or ctx.customer.excluded:
        return
    step = Step(0, channel, sent.template or "second_reminder")
    if other is Means.CALL:
        await create_task(
            ctx, TaskKind.CALL, rows, step=sent.step, note=f"{channel.value} failed: call instead"
        )
        return
    template = commands.template_for(step, other)
    key = commands.command_key(ctx.row.case_id, sent.step or "step", other.value, ctx.today)
    if same:  # the same act on the same channel, to someone else: a key of its own
        key = f"{command_key}{NEXT_CONTACT}"
    await send(ctx, other, template, rows, key, sent.step or template, statement=True)


async def delivery_uncertain(
    ctx: Context, channel: Means, command_key: str, recipient: str, detail: str
) -> None:
    """An email that may not have left: recorded, and a person asked to check it.

    It is not sent again automatically (it may have arrived); the task lists the
    invoices it was about, so the collector can resend or call.
    """
    await timeline.add(
        ctx.uow.session,
        [
            ctx.timeline(
                "anomaly",
                [],
                channel=channel.value,
                command_key=command_key,
                detail=f"uncertain: {detail}".strip(": "),
            )
        ],
    )
    sent = await _sent_as(ctx, command_key)
    rows = (
        []
        if sent is None
        else await tracks.of_customer(ctx.uow.session, ctx.tenant, ctx.ref, sent.invoice_numbers)
    )
    what = sent.template if sent is not None and sent.template else "an email"
    await create_task(
        ctx,
        TaskKind.CHECK_DELIVERY,
        rows,
        step=sent.step if sent else None,
        note=f"{what} to {recipient} may not have left ({detail}): check the "
        "relay's logs or ask the debtor; send it again if it did not",
    )


async def _sent_as(ctx: Context, command_key: str) -> Any:
    """The timeline entry of what ``command_key`` sent (or the task it opened)."""
    return await timeline.sent_as(ctx.uow.session, ctx.tenant, command_key)


async def provider_failed(ctx: Context, channel: Means, command_key: str, detail: str) -> None:
    """The provider failed past its retries: the act is planned again, bounded."""
    await delivery_failed(ctx, channel, command_key, detail, contact_wrong=False)
    sent = await _sent_as(ctx, command_key)
    if sent is None or sent.kind != "done" or ctx.customer.excluded:
        return
    rows = await _active(ctx, sent.invoice_numbers)
    if not rows:
        return
    base, again = _resend_of(command_key)
    template = sent.template or "second_reminder"
    if again >= MAX_RESENDS:
        await create_task(
            ctx,
            TaskKind.MANUAL,
            rows,
            step=sent.step,
            note=f"{template} by {channel.value}: the provider failed "
            f"{again + 1} times ({detail}); send it another way",
        )
        return
    slot = next_open_slot(
        ctx.now + RESEND_AFTER, ctx.settings.window, ctx.customer.timezone, ctx.customer.country
    )
    await defer(
        ctx,
        channel,
        template,
        rows,
        f"{base}{AGAIN}{again + 1}",
        sent.step or template,
        slot,
        why="the provider failed",
        resend=True,
    )
    await ctx.refresh()


def _resend_of(command_key: str) -> tuple[str, int]:
    """The act's first key, and how many times it was sent again already."""
    base, marker, count = command_key.rpartition(AGAIN)
    return (base, int(count)) if marker and count.isdigit() else (command_key, 0)


async def _active(ctx: Context, numbers: list[str]) -> list[Any]:
    """The invoices still followed now: not paid, paused or excluded since."""
    return [
        r
        for r in await tracks.of_customer(ctx.uow.session, ctx.tenant, ctx.ref, numbers)
        if r.state == TrackState.ACTIVE.value and not r.excluded
    ]
