"""A debtor's acts besides paying: dispute an invoice, promise to pay, ask for a plan.

Each is recorded in the portal's schema and publishes its event through the outbox in
the same transaction (the unit of work).
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from encaisse.bus.uow import UnitOfWork
from encaisse.contracts.portal import DisputeOpened, DisputeReason, PlanRequested, PromiseMade
from encaisse.portal.domain import actions as rules
from encaisse.portal.domain.access import PortalSession
from encaisse.portal.domain.statement import Invoice
from encaisse.portal.repository import actions as repository


async def open_dispute(
    uow: UnitOfWork,
    who: PortalSession,
    invoice_number: str,
    reason: DisputeReason,
    message: str,
    attachment: bytes | None,
    max_bytes: int,
    now: datetime,
) -> str:
    """Record the dispute of one of the customer's invoices; its id. ``Refused`` naming
    ``message`` or ``attachment``."""
    message = rules.dispute_message(message)
    kind = rules.attachment_type(attachment, max_bytes) if attachment else None
    digest = hashlib.sha256(attachment).hexdigest() if attachment else None
    dispute_id = str(uuid.uuid4())
    await repository.add_dispute(
        uow.session,
        who,
        dispute_id=dispute_id,
        invoice_number=invoice_number,
        reason=reason.value,
        message=message,
        attachment=attachment or None,
        attachment_type=kind,
        attachment_sha256=digest,
        opened_at=now,
    )
    await uow.publish(
        DisputeOpened(
            tenant=who.tenant,
            version=1,
            dispute_id=dispute_id,
            customer_ref=who.customer_ref,
            invoice_number=invoice_number,
            reason=reason,
            message=message,
            attachment_sha256=digest,
            opened_at=now,
        ),
        subject=dispute_id,
    )
    return dispute_id


async def promise_max_days(session: AsyncSession, tenant: str, default: int) -> int:
    """How far ahead a promise may go: the tenant's limit, or the portal's default."""
    return await repository.promise_max_days(session, tenant) or default


async def make_promise(
    uow: UnitOfWork,
    who: PortalSession,
    chosen: list[Invoice],
    promised_date: str,
    today: date,
    max_days: int,
) -> str:
    """Record a promise to pay the invoices chosen by the date typed; its id. ``Refused``
    naming ``promised_date``."""
    promised = rules.check_promise_date(rules.promise_date(promised_date), today, max_days)
    promise_id, numbers = str(uuid.uuid4()), [i.number for i in chosen]
    await repository.add_promise(uow.session, who, promise_id, numbers, promised)
    await uow.publish(
        PromiseMade(
            tenant=who.tenant,
            version=1,
            promise_id=promise_id,
            customer_ref=who.customer_ref,
            invoice_numbers=tuple(numbers),
            promised_date=promised,
        ),
        subject=promise_id,
    )
    return promise_id


async def request_plan(
    uow: UnitOfWork, who: PortalSession, chosen: list[Invoice], instalments: str
) -> str:
    """Record a request for a payment plan of the invoices chosen; its id. ``Refused``
    naming ``instalments``."""
    count = rules.check_instalments(instalments)
    plan_id, numbers = str(uuid.uuid4()), [i.number for i in chosen]
    await repository.add_plan(uow.session, who, plan_id, numbers, count)
    await uow.publish(
        PlanRequested(
            tenant=who.tenant,
            version=1,
            plan_id=plan_id,
            customer_ref=who.customer_ref,
            invoice_numbers=tuple(numbers),
            instalments=count,
        ),
        subject=plan_id,
    )
    return plan_id


async def set_promise_limit(session: AsyncSession, tenant: str, promise_max_days: int) -> None:
    """The tenant's own limit of a promise to pay, in days."""
    await repository.save_promise_limit(session, tenant, promise_max_days)
