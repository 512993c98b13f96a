"""A formal notice delivered moves its invoices' end of the amicable phase.

The registered letter gives the debtor ``notice_deadline_days`` (tenant settings) from
its delivery to pay; the day after that deadline, the invoices it named that are still
open go to the end of the amicable phase (escalation to litigation) instead of the
scenario's fixed day: their tracks are shifted so that their end step falls then
(``domain.casework.end_after_notice``). Paid ones are closed and left as they are.
"""

from __future__ import annotations

from datetime import date, timedelta

from encaisse.scheduler.domain.casework import end_after_notice
from encaisse.scheduler.domain.day import plans_from
from encaisse.scheduler.repository import timeline, tracks
from encaisse.scheduler.repository.rows import track_from_row
from encaisse.scheduler.usecases.context import Context


async def notice_delivered(ctx: Context, command_key: str, delivered_on: date) -> None:
    session = ctx.uow.session
    sent = await timeline.sent_as(session, ctx.tenant, command_key)
    if sent is None:
        return  # not a notice this scheduler sent (or its record is gone): nothing to move
    plans = plans_from((await ctx.parts.tenants.rules(session, ctx.tenant)).scenarios)
    deadline_days = ctx.settings.notice_deadline_days
    moved = []
    for row in await tracks.of_customer(session, ctx.tenant, ctx.ref, sent.invoice_numbers):
        track = track_from_row(row)
        after = end_after_notice(track, plans(track), delivered_on, deadline_days, ctx.slot)
        if after != track:
            await tracks.save(session, ctx.tenant, after)
            moved.append(track.invoice_number)
    deadline = delivered_on + timedelta(days=deadline_days)
    await timeline.add(
        session,
        [
            ctx.timeline(
                "notice_delivered",
                moved,
                channel=sent.channel,
                step=sent.step,
                command_key=command_key,
                detail=f"formal notice delivered on {delivered_on.isoformat()}, payment "
                f"deadline {deadline.isoformat()}: the end of the amicable phase of "
                f"{len(moved)} open invoices on {(deadline + timedelta(days=1)).isoformat()}",
            )
        ],
    )
    await ctx.refresh()
