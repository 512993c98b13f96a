"""The casework jobs every scheduler instance runs in the background (``Runtime.every``,
and at once after the clock moves in simulation): exclusions whose end date came, and
reminders to the owners of open disputes.

Both are safe with several instances: an exclusion is ended under its customer's lock
and only if still active; a dispute is claimed ``FOR UPDATE SKIP LOCKED`` and marked
reminded in the same statement.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING, Any

from encaisse.contracts.scheduler import TaskKind
from encaisse.kit.failures import Conflict
from encaisse.scheduler.repository import exclusions, reminders, tasks, timeline, tracks
from encaisse.scheduler.repository.rows import timeline_row
from encaisse.scheduler.usecases.exclusions import LAPSED, lift_exclusion
from encaisse.scheduler.usecases.tasks import new_task

if TYPE_CHECKING:
    from encaisse.kit.runtime import Runtime
    from encaisse.scheduler.app import SchedulerParts

log = logging.getLogger(__name__)

BATCH = 200
BY_END_DATE = "system (end date)"


async def run_casework(runtime: Runtime[SchedulerParts]) -> bool:
    """One round of both jobs; True when either left work waiting (run again at once)."""
    lapsed_more = await lapse_exclusions(runtime)
    reminded_more = await remind_dispute_owners(runtime)
    return lapsed_more or reminded_more


async def lapse_exclusions(runtime: Runtime[SchedulerParts]) -> bool:
    """End the exclusions whose end date came; each under its customer's lock, in a
    transaction of its own (a customer that fails is logged, the others go on)."""
    parts = runtime.parts
    async with runtime.engine.connect() as conn:
        now = await parts.clock.now(conn)
        due = await exclusions.lapsing(conn, now, BATCH)
    ended = 0
    for row in due:
        try:
            async with runtime.unit_of_work() as uow:
                await lift_exclusion(parts, uow, row.tenant, row.id, by=BY_END_DATE, status=LAPSED)
            ended += 1
        except Conflict:
            ended += 1  # another instance, or staff, ended it meanwhile
        except Exception:
            log.exception("exclusion %s of %s could not lapse", row.id, row.customer_ref)
    # more may wait only if this round got somewhere (a failing one must not spin the loop)
    return len(due) == BATCH and ended > 0


async def remind_dispute_owners(runtime: Runtime[SchedulerParts]) -> bool:
    """A ``dispute`` task for the owner of each open dispute due a reminder (the customer's
    sales rep, else the tenant's credit owner), every ``dispute_reminder_days`` of the
    customer's profile until the dispute is resolved. The debtor hears nothing."""
    parts = runtime.parts
    async with runtime.unit_of_work() as uow:
        now = await parts.clock.now(uow.session)
        due = await reminders.claim_due(uow.session, now, BATCH)
        if not due:
            return False
        invoices = await tracks.by_numbers(uow.session, {(d.tenant, d.invoice_number) for d in due})
        rows, entries = [], []
        for d in due:
            row, envelope = _reminder(d, invoices.get((d.tenant, d.invoice_number)), now)
            if await tasks.add(uow.session, row):
                await uow.publish(envelope.payload, row["id"])
                rows.append(row)
                entries.append(
                    timeline_row(
                        d.tenant,
                        d.customer_ref,
                        d.case_id,
                        now,
                        "task",
                        [d.invoice_number],
                        command_key=f"task:{row['id']}",
                        detail=f"dispute: {row['note']}",
                    )
                )
        await timeline.add(uow.session, entries)
    return len(due) == BATCH


def _reminder(d: Any, invoice: Any, now: datetime) -> tuple[dict[str, Any], Any]:
    opened_on, days = d.opened_on, (d.today - d.opened_on).days
    return new_task(
        tenant=d.tenant,
        customer_ref=d.customer_ref,
        case_id=d.case_id,
        kind=TaskKind.DISPUTE,
        day=d.today,
        invoices=[invoice] if invoice is not None else [],
        step=None,
        assignee=d.owner,
        note=f"reminder: the dispute on {d.invoice_number} ({d.reason}) is open for "
        f"{days} days, since {opened_on.isoformat()}; resolve it so the dunning can resume",
        now=now,
        dispute_id=d.id,
    )
