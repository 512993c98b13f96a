"""The scheduler's rows as domain objects and back (no SQL: the other repository
modules read and write them)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import fields
from datetime import datetime, time
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from encaisse.scheduler.domain.contacts import Contacts, Person
from encaisse.scheduler.domain.planning import Track, TrackState
from encaisse.scheduler.domain.rules import Customer, Outstanding, ProfileRule
from encaisse.scheduler.domain.scenarios import (
    CountedFrom,
    DunningMode,
    Means,
    Mode,
    Policy,
    Step,
    WithoutEmail,
)
from encaisse.scheduler.domain.windows import SendingWindow

Conn = AsyncSession | AsyncConnection  # a connection, or the session running on one
Key = tuple[str, str]  # (tenant, customer_ref)
LIVE = (TrackState.ACTIVE.value, TrackState.PAUSED.value)


def window_to_json(window: SendingWindow) -> dict[str, Any]:
    return {
        "weekdays": sorted(window.weekdays),
        "start": window.start.isoformat("minutes"),
        "end": window.end.isoformat("minutes"),
        "skip_holidays": window.skip_holidays,
    }


def window_from_json(data: dict[str, Any]) -> SendingWindow:
    return SendingWindow(
        frozenset(data["weekdays"]),
        time.fromisoformat(data["start"]),
        time.fromisoformat(data["end"]),
        bool(data["skip_holidays"]),
    )


def steps_to_json(steps: Iterable[Step]) -> list[dict[str, Any]]:
    return [
        {
            "offset_days": s.offset_days,
            "channel": s.channel.value,
            "template": s.template,
            "mode": s.mode.value,
            "enabled": s.enabled,
            "cc_sales_rep": s.cc_sales_rep,
            "counted_from": s.counted_from.value,
            "role": s.role,
        }
        for s in steps
    ]


def steps_from_json(data: list[dict[str, Any]]) -> tuple[Step, ...]:
    return tuple(
        Step(
            d["offset_days"],
            Means(d["channel"]),
            d["template"],
            Mode(d["mode"]),
            d["enabled"],
            d["cc_sales_rep"],
            CountedFrom(d.get("counted_from", CountedFrom.DUE_DATE.value)),
            d.get("role"),
        )
        for d in data
    )


def policy_to_row(policy: Policy) -> dict[str, Any]:
    return {
        "mode": policy.mode.value,
        "min_gap_days": policy.min_gap_days,
        "contacts_per_week": policy.contacts_per_week,
        "thank_you": policy.thank_you,
        "without_email": policy.without_email.value,
        "dispute_reminder_days": policy.dispute_reminder_days,
    }


def policy_from_row(row: Any) -> Policy:
    return Policy(
        DunningMode(row.mode),
        row.min_gap_days,
        row.contacts_per_week,
        row.thank_you,
        WithoutEmail(row.without_email),
        row.dispute_reminder_days,
    )


PERSON_FIELDS = tuple(f.name for f in fields(Person))


def people_to_json(people: Iterable[Person]) -> list[dict[str, Any]]:
    return [{name: getattr(p, name) for name in PERSON_FIELDS} for p in people]


def people_from_json(data: Iterable[dict[str, Any]] | None) -> tuple[Person, ...]:
    return tuple(
        Person(**{k: v for k, v in item.items() if k in PERSON_FIELDS}) for item in data or ()
    )


def rule_to_json(rule: ProfileRule) -> dict[str, Any]:
    """A rule's conditions as stored (``profile_rules.conditions``); empty ones left out."""
    data: dict[str, Any] = {
        name: list(getattr(rule, name))
        for name in ("segments", "countries", "payment_methods", "risk_classes")
        if getattr(rule, name)
    }
    if rule.abroad is not None:
        data["abroad"] = rule.abroad
    if rule.outstanding is not None:
        o = rule.outstanding
        data["outstanding"] = {
            "currency": o.currency,
            "minimum": None if o.minimum is None else str(o.minimum),
            "maximum": None if o.maximum is None else str(o.maximum),
        }
    return data


def rule_from_row(row: Any) -> ProfileRule:
    data = row.conditions
    amount = data.get("outstanding")
    return ProfileRule(
        row.profile,
        row.scenario,
        tuple(data.get("segments", ())),
        tuple(data.get("countries", ())),
        data.get("abroad"),
        tuple(data.get("payment_methods", ())),
        tuple(data.get("risk_classes", ())),
        Outstanding(
            amount["currency"],
            None if amount["minimum"] is None else Decimal(amount["minimum"]),
            None if amount["maximum"] is None else Decimal(amount["maximum"]),
        )
        if amount
        else None,
    )


def rules_customer(row: Any) -> Customer:
    """A customer's row as the profile rules see it."""
    return Customer(row.segment, row.country, row.payment_method, row.risk_class)


def contacts_from_row(row: Any) -> Contacts:
    return Contacts(
        customer_ref=row.customer_ref,
        name=row.name,
        language=row.language,
        timezone=row.timezone,
        country=row.country,
        segment=row.segment,
        email=row.email,
        email_ok=row.email_ok,
        phone=row.phone,
        phone_ok=row.phone_ok,
        has_address=row.address is not None,
        address_ok=row.address_ok,
        sales_rep_email=row.sales_rep_email,
        excluded=row.excluded,
        people=people_from_json(row.contacts),
    )


def track_from_row(row: Any) -> Track:
    return Track(
        invoice_number=row.invoice_number,
        customer_ref=row.customer_ref,
        due_date=row.due_date,
        open_balance=row.open_balance,
        scenario_code=row.scenario_code,
        state=TrackState(row.state),
        last_offset=row.last_offset,
        last_step_on=row.last_step_on,
        shift_days=row.shift_days,
        path=row.path,
        path_anchor=row.path_anchor,
        due_at=row.due_at,
        pause_until=row.pause_until,
        paused_on=row.paused_on,
        excluded=row.excluded,
    )


TRACK_FIELDS = (
    "state",
    "last_offset",
    "last_step_on",
    "shift_days",
    "path",
    "path_anchor",
    "due_at",
    "pause_until",
    "paused_on",
    "scenario_code",
)


def track_values(track: Track) -> dict[str, Any]:
    values = {f: getattr(track, f) for f in TRACK_FIELDS}
    values["state"] = track.state.value
    values["open_balance"] = track.open_balance
    return values


def timeline_row(
    tenant: str,
    customer_ref: str,
    case_id: str | None,
    at: datetime,
    kind: str,
    invoices: Iterable[str],
    **extra: Any,
) -> dict[str, Any]:
    row = {
        "tenant": tenant,
        "customer_ref": customer_ref,
        "case_id": case_id,
        "at": at,
        "kind": kind,
        "invoice_numbers": list(invoices),
        "channel": None,
        "step": None,
        "template": None,
        "command_key": None,
        "detail": "",
    }
    row.update(extra)
    return row
