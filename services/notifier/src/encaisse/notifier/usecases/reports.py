"""Delivery reports: a provider's webhook or a bounce changes a message once.

One event per real change: a report repeated, or stale (the message already failed),
changes nothing and publishes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.ext.asyncio import AsyncSession

from encaisse.notifier import repository as repo
from encaisse.notifier.domain.bounces import Bounce
from encaisse.notifier.domain.reports import REPORTABLE, ProviderReport, failure_of


async def record_report(session: AsyncSession, report: ProviderReport) -> bool | None:
    """Apply one provider report: True if it changed its message, False if it changed
    nothing, None when it names no message of ours."""
    row = await repo.find_by_reference(
        session,
        message_id=report.message_id,
        header_message_id=report.header_message_id,
        provider_ref=report.provider_ref,
    )
    if row is None:
        return None
    reason = failure_of(report)
    if reason is None:
        return await repo.mark_delivered(session, row.id)
    return await repo.mark_failed(
        session, row.id, reason, report.detail or report.status, statuses=REPORTABLE
    )


async def record_reports(
    session: AsyncSession, reports: Iterable[ProviderReport]
) -> dict[str, int]:
    """Apply a provider's batch: how many changed a message, how many named none."""
    applied = unknown = 0
    for report in reports:
        changed = await record_report(session, report)
        if changed is None:
            unknown += 1
        elif changed:
            applied += 1
    return {"applied": applied, "unknown": unknown}


async def record_bounce(session: AsyncSession, bounce: Bounce) -> bool:
    """Fail the message a bounce names; a copy's bounce (a Cc only) is noted in its
    evidence and fails nothing. True if the message failed now."""
    row = await repo.find_by_reference(session, header_message_id=bounce.original_message_id)
    if row is None:
        return False
    detail = f"{bounce.status} {bounce.diagnostic}".strip()
    if not bounce.fails_message(row.to_addresses, row.cc_addresses):
        await repo.note(session, row.id, f"copy to {bounce.recipient} bounced: {detail}")
        return False
    return await repo.mark_failed(session, row.id, bounce.reason, detail, statuses=REPORTABLE)
