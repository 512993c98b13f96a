"""One claimed customer's day inside a day-run batch: its decision (``domain.day.decide``)
turned into track moves, commands, validations, tasks and timeline entries, gathered in
the batch (written set-based by ``repository.batch``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from encaisse.contracts import Money
from encaisse.contracts.scheduler import CaseEscalated, CaseResumed, TaskKind
from encaisse.scheduler.domain.customer_day import decide_any
from encaisse.scheduler.domain.day import plans_from
from encaisse.scheduler.domain.defaults import DEFAULT_PROFILE
from encaisse.scheduler.domain.planning import SCENARIO_PATH
from encaisse.scheduler.domain.pressure import History
from encaisse.scheduler.domain.scenarios import DunningMode, Policy, Scenario
from encaisse.scheduler.domain.windows import local_day
from encaisse.scheduler.repository.batch import Batch, envelope
from encaisse.scheduler.repository.rows import contacts_from_row, timeline_row, track_from_row
from encaisse.scheduler.repository.tenants import TenantSettings
from encaisse.scheduler.usecases import commands
from encaisse.scheduler.usecases.acts import act, task
from encaisse.scheduler.usecases.tasks import stake


@dataclass
class TenantData:
    settings: TenantSettings
    scenarios: dict[str, Scenario]
    policies: dict[str, Policy]  # profile code -> its policy

    def policy(self, profile: str) -> Policy:
        return self.policies.get(profile) or self.policies.get(DEFAULT_PROFILE) or Policy()


def one_customer(
    batch: Batch, data: TenantData, customer: Any, rows: list[Any], used: set[tuple[str, Any]]
) -> None:
    """``rows``: the customer's live tracks (active and paused); ``used``: the (channel, day)
    pairs it was reached on lately."""
    tenant, ref, case_id = customer.tenant, customer.customer_ref, customer.case_id
    person = contacts_from_row(customer)
    policy = data.policy(customer.profile)
    if policy.mode is DunningMode.PER_INVOICE:  # only the due tracks are decided
        tracks = [track_from_row(r) for r in rows if r.due_at is not None and r.due_at <= batch.now]
    else:  # the customer's whole position is
        tracks = [track_from_row(r) for r in rows]
    today = local_day(batch.now, person.timezone)
    decision = decide_any(
        person,
        tracks,
        plans_from(data.scenarios),
        _scenario(data, rows),
        policy,
        data.settings.window,
        batch.now,
        History.of(used),
    )
    batch.tracks += [(tenant, t) for t in decision.tracks]
    by_number = {r.invoice_number: r for r in rows}
    after = {t.invoice_number: t.state.value for t in decision.tracks}
    position = (  # built only for a message: most customers of a run get none
        commands.position(
            [r for r in rows if after.get(r.invoice_number, r.state) == "active"], today
        )
        if decision.groups
        else None
    )
    version = customer.case_version
    if decision.level != customer.level_offset:
        batch.levels[(tenant, ref)] = (decision.level, today)
    for group in decision.groups:
        act(
            batch,
            data.settings,
            customer,
            group,
            [by_number[n] for n in group.invoice_numbers],
            position,
        )
    if decision.collect_email:
        task(
            batch,
            customer,
            TaskKind.COLLECT_EMAIL,
            today,
            [],
            None,
            note="no email address to dun by: ask for one on the next call",
        )
    for skipped in decision.skipped:
        batch.timeline.append(
            timeline_row(
                tenant,
                ref,
                case_id,
                batch.now,
                "skipped",
                [skipped.invoice_number],
                channel=skipped.step.channel.value,
                step=skipped.step.key,
                template=skipped.step.template,
                detail=skipped.reason,
            )
        )
        batch.stats.skipped += 1
    if decision.complete_record:
        task(
            batch,
            customer,
            TaskKind.COMPLETE_RECORD,
            today,
            [],
            None,
            note="no valid phone number or postal address for a planned step",
        )
    if decision.promises_broken:
        version += 1
        batch.broken[tenant] += decision.promises_broken
        batch.messages.append(
            envelope(
                CaseResumed(
                    tenant=tenant,
                    version=version,
                    case_id=case_id,
                    customer_ref=ref,
                    reason="promise_broken",
                    invoice_numbers=tuple(decision.promises_broken),
                ),
                case_id,
            )
        )
        batch.timeline.append(
            timeline_row(
                tenant,
                ref,
                case_id,
                batch.now,
                "resumed",
                decision.promises_broken,
                detail="promise to pay broken",
            )
        )
    if decision.escalated:
        version += 1
        at_stake = stake([by_number[n] for n in decision.escalated])
        batch.messages.append(
            envelope(
                CaseEscalated(
                    tenant=tenant,
                    version=version,
                    case_id=case_id,
                    customer_ref=ref,
                    invoice_numbers=tuple(decision.escalated),
                    amount_at_stake=at_stake or Money(amount=0, currency="EUR"),
                ),
                case_id,
            )
        )
        batch.timeline.append(
            timeline_row(
                tenant,
                ref,
                case_id,
                batch.now,
                "escalated",
                decision.escalated,
                detail="end of the amicable phase: litigation",
            )
        )
        batch.stats.escalated += len(decision.escalated)
    if version != customer.case_version:
        batch.case_versions[(tenant, ref)] = version


def _scenario(data: TenantData, rows: list[Any]) -> Scenario:
    """The scenario the customer's invoices follow (the same for all: a change of profile
    or scenario moves every live one)."""
    codes = [r.scenario_code for r in rows if r.path == SCENARIO_PATH]
    code = codes[0] if codes else DEFAULT_PROFILE
    return data.scenarios.get(code) or data.scenarios[DEFAULT_PROFILE]
