"""Contacts learnt outside the ledger's import: an email or a phone number a collector
got on a call.

The scheduler uses it at once (its customer row, so the next step reaches it) and sends
it to the ledger (``RecordDunningContact``), which keeps it as the customer's dunning
contact. Until the ledger's next customer event brings an email of its own, the
collected one stays (``customers.collected_email``): the ledger's wins when it has one.
An email known, from either, closes the customer's open ``collect_email`` task.
"""

from __future__ import annotations

from encaisse.contracts.ledger import RecordDunningContact
from encaisse.contracts.scheduler import TaskKind
from encaisse.scheduler.repository import customers, tasks, timeline
from encaisse.scheduler.usecases.context import Context


async def email_known(ctx: Context, *, by: str) -> None:
    """The customer has an email now: its open ``collect_email`` task is done."""
    closed = await tasks.close_open(
        ctx.uow.session,
        ctx.tenant,
        ctx.ref,
        kind=TaskKind.COLLECT_EMAIL.value,
        outcome="email_collected",
        by=by,
        at=ctx.now,
    )
    if closed:
        await timeline.add(
            ctx.uow.session,
            [
                ctx.timeline(
                    "task_closed",
                    [],
                    command_key=f"task:{closed[0]}",
                    detail=f"collect_email: an email is known ({by})",
                )
            ],
        )


async def collected(
    ctx: Context, *, email: str | None, phone: str | None, by: str, task_id: str
) -> None:
    """An email or phone number got on a call: used at once, and sent to the ledger."""
    if email is None and phone is None:
        return
    values: dict[str, object] = {}
    if email is not None:
        values |= {"email": email, "email_ok": True, "collected_email": email}
    if phone is not None:
        values |= {"phone": phone, "phone_ok": True, "collected_phone": phone}
    await customers.change(ctx.uow.session, ctx.tenant, ctx.ref, **values)
    await ctx.relock()
    await ctx.uow.publish(
        RecordDunningContact(
            tenant=ctx.tenant,
            idempotency_key=f"{task_id}:dunning_contact",
            customer_ref=ctx.ref,
            email=email,
            phone=phone,
            collected_by=by,
            task_id=task_id,
        ),
        ctx.ref,
    )
    got = ", ".join(x for x in (email, phone) if x)
    await timeline.add(
        ctx.uow.session,
        [ctx.timeline("contact_collected", [], detail=f"on a call by {by}: {got}")],
    )
    if email is not None:
        await email_known(ctx, by=by)
