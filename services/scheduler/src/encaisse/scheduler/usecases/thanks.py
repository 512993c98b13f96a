"""Thank-yous: per profile on or off, at most one per customer in ``THANK_YOU_DAYS`` days,
listing every payment of that period.

A payment that settles a followed invoice (``domain.payments``) is thanked:
- when no thank-you went in the last 7 days, at the next open slot of the sending
  window (at once inside it);
- else it waits until 7 days after the last one (its first open slot), and every payment
  until then joins that one waiting thank-you (its invoices and its payment listed).
So 200 transfers a month make at most 5 thank-yous. The waiting thank-you is keyed by its
first payment (``<case>:thank_you:<payment>``); each later payment it gathers leaves a
timeline entry under its own key, so a replayed payment is never listed twice.
"""

from __future__ import annotations

from typing import Any

from encaisse.contracts.ledger import PaymentReceived
from encaisse.scheduler.domain.scenarios import Means
from encaisse.scheduler.repository import deferred, timeline
from encaisse.scheduler.usecases.context import Context
from encaisse.scheduler.usecases.messages import payment_line, send, week_after

TEMPLATE = "thank_you"


async def thank(ctx: Context, e: PaymentReceived, listed: list[Any]) -> None:
    """Thank the customer for ``e``, which settled the invoices ``listed`` (as it left them)."""
    session = ctx.uow.session
    rules = await ctx.parts.tenants.rules(session, ctx.tenant)
    profile = rules.profile(ctx.row.profile)
    if profile is not None and not profile.policy.thank_you:
        return
    listed = [r for r in listed if not r.excluded]
    key = f"{ctx.row.case_id}:{TEMPLATE}:{e.payment_ref}"
    if (
        ctx.customer.excluded
        or not listed
        or await timeline.sent_or_waiting(session, ctx.tenant, key)
    ):
        return
    line = payment_line(
        e.payment_ref, e.paid_on.isoformat(), str(e.amount.amount), e.amount.currency
    )
    waiting = await deferred.waiting(session, ctx.tenant, ctx.ref, TEMPLATE)
    if waiting is not None:
        await _gather(ctx, waiting, listed, line, key)
        return
    await send(
        ctx,
        Means.EMAIL,
        TEMPLATE,
        listed,
        key,
        TEMPLATE,
        {
            "payment_ref": e.payment_ref,
            "paid_on": e.paid_on.isoformat(),
            "amount": f"{e.amount.amount} {e.amount.currency}",
        },
        in_window=True,
        not_before=week_after(await timeline.last_sent(session, ctx.tenant, ctx.ref, TEMPLATE)),
        payments=[line],
    )


async def _gather(
    ctx: Context, waiting: Any, listed: list[Any], line: dict[str, str], key: str
) -> None:
    """One more payment on the thank-you that waits."""
    numbers = list(waiting.invoice_numbers)
    numbers += [r.invoice_number for r in listed if r.invoice_number not in numbers]
    balances = {**waiting.balances, **{r.invoice_number: str(r.open_balance) for r in listed}}
    await deferred.gather(
        ctx.uow.session,
        ctx.tenant,
        waiting.command_key,
        numbers,
        balances,
        [*waiting.payments, line],
    )
    await timeline.add(
        ctx.uow.session,
        [
            ctx.timeline(
                "deferred",
                [r.invoice_number for r in listed],
                channel=Means.EMAIL.value,
                step=TEMPLATE,
                template=TEMPLATE,
                command_key=key,
                detail=f"payment {line['payment_ref']} joins the thank-you "
                f"{waiting.command_key}: waits until {waiting.due_at.isoformat()}",
            )
        ],
    )
