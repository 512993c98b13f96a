"""What the ledger's events change: a customer's contacts and profile, an invoice's track,
a payment's thank-you, a rejected direct debit.

They tolerate any order: invoice and customer events older than what is stored are
ignored (aggregate versions); an invoice or a payment seen before its customer creates
a placeholder the customer event fills in later.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

from encaisse.contracts.ledger import (
    CustomerUpserted,
    InvoiceState,
    InvoiceStatus,
    PaymentReceived,
    PaymentRejected,
)
from encaisse.scheduler.domain.contacts import Person, keep_flags
from encaisse.scheduler.domain.day import plans_from
from encaisse.scheduler.domain.payments import Paid, thank_you_invoices
from encaisse.scheduler.domain.planning import (
    Track,
    TrackState,
    close,
    join_case,
    plan_next,
    reject_debit,
    start,
)
from encaisse.scheduler.domain.rules import uses_amounts
from encaisse.scheduler.domain.scenarios import DunningMode
from encaisse.scheduler.repository import customers, disputes, timeline, tracks
from encaisse.scheduler.repository.rows import people_from_json, people_to_json, track_from_row
from encaisse.scheduler.usecases.contacts import email_known
from encaisse.scheduler.usecases.context import Context, context, replan
from encaisse.scheduler.usecases.messages import with_balance
from encaisse.scheduler.usecases.profiles import choice_for, scenario_for
from encaisse.scheduler.usecases.thanks import thank

LIVE_STATUSES = (InvoiceStatus.OPEN, InvoiceStatus.PARTIALLY_PAID)


async def customer_upserted(ctx: Context, e: CustomerUpserted) -> None:
    session, row = ctx.uow.session, ctx.row
    if row.version >= e.version:
        return
    rules = await ctx.parts.tenants.rules(session, e.tenant)
    looked_at = dict(
        segment=e.segment.value,
        country=e.country,
        payment_method=e.payment_method.value,
        risk_class=e.risk_class,
    )
    choice = await choice_for(session, row, rules, **looked_at)
    address = e.address.model_dump() if e.address else None
    people = keep_flags(
        tuple(
            Person(
                c.role.value,
                name=c.name,
                email=c.email,
                phone=c.phone,
                hours=c.hours,
                preferred_channel=c.preferred_channel.value if c.preferred_channel else None,
            )
            for c in e.contacts
        ),
        people_from_json(row.contacts),
    )
    # a contact collected on a call stays until the ledger brings one of its own
    email = e.email or row.collected_email
    phone = e.phone or row.collected_phone
    values: dict[str, Any] = dict(
        version=e.version,
        name=e.name,
        language=e.language,
        timezone=e.timezone,
        email=email,
        phone=phone,
        address=address,
        sales_rep_email=e.sales_rep_email,
        contacts=people_to_json(people),
        ledger_excluded=e.excluded_from_dunning,  # staff's exclusions are kept apart
        profile=choice.profile,
        rule_scenario=choice.scenario,
        **looked_at,
    )
    for field, flag in (("email", "email_ok"), ("phone", "phone_ok"), ("address", "address_ok")):
        if values[field] != getattr(row, field):
            values[flag] = True  # a changed contact is worth trying again
    await customers.change(session, e.tenant, e.customer_ref, **values)
    if email:
        await email_known(ctx, by="ledger")
    scenario = scenario_for(row, rules, choice)
    if scenario != scenario_for(row, rules):
        # a new scenario applies to the steps not yet done of the customer's live invoices
        await customers.follow_scenario(session, e.tenant, e.customer_ref, scenario)
    if (choice.profile, scenario, e.timezone, e.country) != (
        row.profile,
        scenario_for(row, rules),
        row.timezone,
        row.country,
    ):
        ctx = await context(ctx.parts, ctx.uow, e.tenant, e.customer_ref)  # a new calendar too
        await replan(ctx)
    await ctx.refresh()


async def _per_customer(ctx: Context) -> bool:
    """Whether the customer's profile duns per customer (an unknown profile: the default)."""
    profile = (await ctx.parts.tenants.rules(ctx.uow.session, ctx.tenant)).profile(ctx.row.profile)
    return profile is None or profile.policy.mode is DunningMode.PER_CUSTOMER


async def scenario_of(ctx: Context) -> str:
    """The scenario the customer follows now: its own, its rule's, its profile's."""
    return scenario_for(ctx.row, await ctx.parts.tenants.rules(ctx.uow.session, ctx.tenant))


async def rechoose_on_amount(ctx: Context) -> None:
    """A new invoice raised what the customer owes: the rules that look at the outstanding
    amount may give it another profile (``usecases.profiles`` says when, and why only then)."""
    rules = await ctx.parts.tenants.rules(ctx.uow.session, ctx.tenant)
    if not uses_amounts(rules.rules):
        return
    choice = await choice_for(ctx.uow.session, ctx.row, rules)
    if (choice.profile, choice.scenario) == (ctx.row.profile, ctx.row.rule_scenario):
        return
    before = scenario_for(ctx.row, rules)
    await customers.change(
        ctx.uow.session,
        ctx.tenant,
        ctx.ref,
        profile=choice.profile,
        rule_scenario=choice.scenario,
    )
    if scenario_for(ctx.row, rules, choice) != before:
        await customers.follow_scenario(
            ctx.uow.session, ctx.tenant, ctx.ref, scenario_for(ctx.row, rules, choice)
        )
        await ctx.relock()
        await replan(ctx)


async def invoice_changed(ctx: Context, e: InvoiceState) -> None:
    session = ctx.uow.session
    rows = await tracks.of_customer(session, e.tenant, e.customer_ref, [e.invoice_number])
    row = rows[0] if rows else None
    if row is not None and row.invoice_version >= e.version:
        return
    scenarios = (await ctx.parts.tenants.rules(session, e.tenant)).scenarios
    live = e.status in LIVE_STATUSES and e.open_balance.amount > 0
    invoice = dict(
        customer_ref=e.customer_ref,
        invoice_version=e.version,
        issue_date=e.issue_date,
        due_date=e.due_date,
        amount=e.amount.amount,
        open_balance=e.open_balance.amount,
        currency=e.amount.currency,
        status=e.status.value,
        pdf_url=e.pdf_url,
    )
    if row is None:
        code = await scenario_of(ctx)
        track = Track(
            e.invoice_number, e.customer_ref, e.due_date, e.open_balance.amount, scenario_code=code
        )
        begin = join_case if await _per_customer(ctx) else start
        track = begin(track, scenarios[code], ctx.today, ctx.slot) if live else close(track)
        await tracks.add(session, e.tenant, invoice, track)
        if live:
            await rechoose_on_amount(ctx)
    else:
        before = track_from_row(row)
        track = replace(before, due_date=e.due_date, open_balance=e.open_balance.amount)
        plan = plans_from(scenarios)
        if not live:
            track = close(track)
            if before.state is not TrackState.CLOSED:
                await timeline.add(
                    session,
                    [
                        ctx.timeline(
                            "closed", [e.invoice_number], detail=f"invoice {e.status.value}"
                        )
                    ],
                )
        elif before.state is TrackState.CLOSED:
            track = plan_next(replace(track, state=TrackState.ACTIVE), plan(track), ctx.slot)
        elif before.state is TrackState.ACTIVE and e.due_date != row.due_date:
            track = plan_next(track, plan(track), ctx.slot)
            await timeline.add(
                session,
                [
                    ctx.timeline(
                        "replanned",
                        [e.invoice_number],
                        detail=f"due date {row.due_date.isoformat()} -> {e.due_date.isoformat()}",
                    )
                ],
            )
        await tracks.change_invoice(session, e.tenant, invoice, track)
    if not live:
        await disputes.promise_kept(session, e.tenant, e.invoice_number)
    await ctx.refresh()


async def payment_received(ctx: Context, e: PaymentReceived) -> None:
    """A payment that settles a followed invoice is thanked (``usecases.thanks``: at most one
    thank-you a week, listing every payment of that week), reminded or not, inside the
    sending window; listing what it paid."""
    paid = [
        Paid(a.invoice_number, a.amount.amount, a.open_balance_after.amount) for a in e.allocations
    ]
    rows = await tracks.of_customer(
        ctx.uow.session, e.tenant, e.customer_ref, [p.invoice_number for p in paid]
    )
    numbers = thank_you_invoices(paid, {r.invoice_number: track_from_row(r) for r in rows})
    if not numbers or not ctx.customer.reachable_by_email:
        return
    after = {p.invoice_number: p.balance_after for p in paid}
    listed = [with_balance(r, after[r.invoice_number]) for r in rows if r.invoice_number in numbers]
    await thank(ctx, e, listed)
    await ctx.refresh()  # a thank-you that waits is due for the day run


async def payment_rejected(ctx: Context, e: PaymentRejected) -> None:
    """What the debit paid is open again, on the short path: email at once, call next day."""
    session = ctx.uow.session
    balances = {a.invoice_number: a.open_balance_after.amount for a in e.reopened}
    rows = await tracks.of_customer(session, e.tenant, e.customer_ref, list(balances))
    for row in rows:
        balance = balances[row.invoice_number]
        if balance <= Decimal(0):
            continue
        track = reject_debit(track_from_row(row), e.rejected_on, balance, ctx.slot)
        await tracks.save(session, e.tenant, track)
    if rows:
        await timeline.add(
            session,
            [
                ctx.timeline(
                    "reopened",
                    [r.invoice_number for r in rows],
                    detail=f"direct debit {e.payment_ref} rejected: "
                    f"{e.reason or 'no reason given'}",
                )
            ],
        )
    await ctx.refresh()
