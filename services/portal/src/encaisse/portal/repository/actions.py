"""What a debtor's acts record (disputes, promises, plans), and the tenant's rules for them."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from encaisse.portal import db
from encaisse.portal.domain.access import PortalSession


async def add_dispute(
    session: AsyncSession,
    who: PortalSession,
    *,
    dispute_id: str,
    invoice_number: str,
    reason: str,
    message: str,
    attachment: bytes | None,
    attachment_type: str | None,
    attachment_sha256: str | None,
    opened_at: datetime,
) -> None:
    await session.execute(
        db.disputes.insert().values(
            dispute_id=dispute_id,
            tenant=who.tenant,
            customer_ref=who.customer_ref,
            invoice_number=invoice_number,
            reason=reason,
            message=message,
            attachment=attachment,
            attachment_type=attachment_type,
            attachment_sha256=attachment_sha256,
            opened_at=opened_at,
        )
    )


async def add_promise(
    session: AsyncSession,
    who: PortalSession,
    promise_id: str,
    invoice_numbers: list[str],
    promised_date: date,
) -> None:
    await session.execute(
        db.promises.insert().values(
            promise_id=promise_id,
            tenant=who.tenant,
            customer_ref=who.customer_ref,
            invoice_numbers=invoice_numbers,
            promised_date=promised_date,
        )
    )


async def add_plan(
    session: AsyncSession,
    who: PortalSession,
    plan_id: str,
    invoice_numbers: list[str],
    instalments: int,
) -> None:
    await session.execute(
        db.plans.insert().values(
            plan_id=plan_id,
            tenant=who.tenant,
            customer_ref=who.customer_ref,
            invoice_numbers=invoice_numbers,
            instalments=instalments,
        )
    )


async def promise_max_days(session: AsyncSession, tenant: str) -> int | None:
    """The tenant's limit of a promise to pay, in days; None when it set none."""
    days: int | None = await session.scalar(
        select(db.tenant_settings.c.promise_max_days).where(db.tenant_settings.c.tenant == tenant)
    )
    return days


async def save_promise_limit(session: AsyncSession, tenant: str, promise_max_days: int) -> None:
    await session.execute(
        insert(db.tenant_settings)
        .values(tenant=tenant, promise_max_days=promise_max_days)
        .on_conflict_do_update(
            index_elements=["tenant"], set_={"promise_max_days": promise_max_days}
        )
    )
