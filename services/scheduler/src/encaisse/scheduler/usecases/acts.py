"""What one act of a customer's day becomes in the day-run batch: a validation waiting for a
person, a task for a collector or an owner, or the command to a channel (with the
customer's statement), each with its timeline entry and, for a contact, its channel day."""

from __future__ import annotations

import uuid
from typing import Any

from encaisse.contracts import Envelope
from encaisse.contracts.common import Position
from encaisse.contracts.scheduler import TaskKind
from encaisse.scheduler.domain.day import Group
from encaisse.scheduler.domain.pressure import CONTACT_CHANNELS
from encaisse.scheduler.domain.scenarios import Means, Mode
from encaisse.scheduler.repository.batch import Batch
from encaisse.scheduler.repository.rows import timeline_row
from encaisse.scheduler.repository.tenants import TenantSettings
from encaisse.scheduler.usecases import commands
from encaisse.scheduler.usecases.tasks import new_task


def act(
    batch: Batch,
    settings: TenantSettings,
    customer: Any,
    group: Group,
    rows: list[Any],
    position: Position | None,
) -> None:
    tenant, ref, case_id = customer.tenant, customer.customer_ref, customer.case_id
    step, channel = group.step, group.channel
    key = commands.command_key(case_id, step.key, channel.value, group.day)
    entry = dict(channel=channel.value, step=step.key, template=step.template)
    if group.mode is Mode.VALIDATE:
        batch.validations.append(
            {
                "id": str(uuid.uuid4()),
                "tenant": tenant,
                "customer_ref": ref,
                "case_id": case_id,
                "channel": channel.value,
                "step": step.key,
                "offset_days": step.offset_days,
                "template": step.template,
                "scenario_code": rows[0].scenario_code,
                "invoice_numbers": list(group.invoice_numbers),
                "day": group.day,
                "created_at": batch.now,
                "note": group.note,
            }
        )
        batch.timeline.append(
            timeline_row(
                tenant,
                ref,
                case_id,
                batch.now,
                "pending",
                group.invoice_numbers,
                **entry,
                detail="waiting for validation" + (f": {group.note}" if group.note else ""),
            )
        )
        batch.stats.validations += 1
        return
    if channel in (Means.CALL, Means.INTERNAL_ESCALATION) or group.mode is Mode.MANUAL:
        kind = (
            TaskKind.CALL
            if channel is Means.CALL
            else TaskKind.ESCALATION
            if channel is Means.INTERNAL_ESCALATION
            else TaskKind.MANUAL
        )
        assignee = settings.owner(customer.sales_rep_email) if kind is TaskKind.ESCALATION else None
        task_id = task(
            batch,
            customer,
            kind,
            group.day,
            rows,
            step.key,
            assignee=assignee,
            note=commands.call_note(step, customer)
            if kind is TaskKind.CALL
            else f"{step.template} ({channel.value})",
        )
        batch.timeline.append(
            timeline_row(
                tenant,
                ref,
                case_id,
                batch.now,
                "task",
                group.invoice_numbers,
                **entry,
                command_key=f"task:{task_id}",
                detail=f"task {task_id}",
            )
        )
        if channel in CONTACT_CHANNELS:
            batch.channel_days.append(
                {"tenant": tenant, "customer_ref": ref, "channel": channel.value, "day": group.day}
            )
        return
    command = commands.build(
        tenant=tenant,
        channel=channel,
        step=step,
        key=key,
        case_id=case_id,
        customer=customer,
        invoices=rows,
        day=group.day,
        notice_deadline_days=settings.notice_deadline_days,
        position=position,
        fallback_language=settings.language,
    )
    assert command is not None
    batch.messages.append(Envelope(payload=command, subject=case_id or ref))
    if channel in CONTACT_CHANNELS:
        batch.channel_days.append(
            {"tenant": tenant, "customer_ref": ref, "channel": channel.value, "day": group.day}
        )
    batch.timeline.append(
        timeline_row(
            tenant, ref, case_id, batch.now, "done", group.invoice_numbers, **entry, command_key=key
        )
    )
    batch.stats.commands += 1


def task(
    batch: Batch,
    customer: Any,
    kind: TaskKind,
    day: Any,
    rows: list[Any],
    step: str | None,
    *,
    assignee: str | None = None,
    note: str = "",
) -> str:
    """A task made as any act makes one (``usecases.tasks.new_task``), written with the
    batch; its event is staged once its row is."""
    row, event = new_task(
        tenant=customer.tenant,
        customer_ref=customer.customer_ref,
        case_id=customer.case_id,
        kind=kind,
        day=day,
        invoices=rows,
        step=step,
        assignee=assignee,
        note=note,
        now=batch.now,
    )
    batch.tasks.append(row)
    batch.task_events[row["id"]] = event
    return str(row["id"])
