"""Scenarios, steps, profiles and their policies (the defaults are in ``domain.defaults``).

A scenario is data: an ordered list of steps counted in days from the due date.
Every scenario ends with the end of the amicable phase (``amicable_days``
after the due date, 60 by default, up to 90), when what is still open is
escalated to litigation. Two steps of one scenario never share a day: the
offset identifies a step, and a track remembers the offset of its last step.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import StrEnum
from functools import cached_property


class Means(StrEnum):
    """How a step acts: a message to the customer (email, SMS, letter, registered letter,
    portal notice), a call, or an escalation inside the tenant. Not the notifier's
    ``Channel`` (email or SMS); its values are the API's and the timeline's ``channel``."""

    EMAIL = "email"
    SMS = "sms"
    CALL = "call"
    LETTER = "letter"
    REGISTERED_LETTER = "registered_letter"
    INTERNAL_ESCALATION = "internal_escalation"
    PORTAL_NOTICE = "portal_notice"


MESSAGE_CHANNELS = frozenset(
    {Means.EMAIL, Means.SMS, Means.LETTER, Means.REGISTERED_LETTER, Means.PORTAL_NOTICE}
)


class Mode(StrEnum):
    AUTO = "auto"
    VALIDATE = "validate"
    MANUAL = "manual"


MODE_RANK = {Mode.AUTO: 0, Mode.VALIDATE: 1, Mode.MANUAL: 2}


class CountedFrom(StrEnum):
    """What a step's day counts from: the due date (``D+14``), or the day the previous step
    was done ("une semaine après le 2nd email": when a holiday or a pause delays a step, the
    later ones move with it; the gap is the difference of the two steps' offsets)."""

    DUE_DATE = "due_date"
    PREVIOUS_STEP = "previous_step"


# Whom a step addresses (the ledger's contact roles); none: the billing contact.
ROLES = ("billing", "accounts_payable", "finance_director", "manager", "buyer", "dunning")
LITIGATION = "litigation"
MIN_AMICABLE_DAYS, MAX_AMICABLE_DAYS = 60, 90


@dataclass(frozen=True)
class Step:
    offset_days: int
    channel: Means
    template: str
    mode: Mode = Mode.AUTO
    enabled: bool = True
    cc_sales_rep: bool = False
    counted_from: CountedFrom = CountedFrom.DUE_DATE
    role: str | None = None  # one of ROLES; None: the billing contact

    @property
    def client_facing(self) -> bool:
        """A step that reaches the customer (a message or a call), which contact pressure
        counts; an internal escalation does not."""
        return self.channel is not Means.INTERNAL_ESCALATION

    @property
    def key(self) -> str:
        """Stable name of the step, such as ``D+7-email`` or ``D-15-call``."""
        return f"D{self.offset_days:+d}-{self.channel.value}"

    @property
    def is_end(self) -> bool:
        return self.template == LITIGATION and self.channel is Means.INTERNAL_ESCALATION


class InvalidScenario(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Scenario:
    code: str
    name: str
    steps: tuple[Step, ...]
    amicable_days: int = MIN_AMICABLE_DAYS
    version: int = 1

    def __post_init__(self) -> None:
        ordered = tuple(sorted(self.steps, key=lambda s: s.offset_days))
        object.__setattr__(self, "steps", ordered)
        offsets = [s.offset_days for s in ordered]
        if len(set(offsets)) != len(offsets):
            raise InvalidScenario("steps", "two steps of a scenario cannot fall on the same day")
        if not MIN_AMICABLE_DAYS <= self.amicable_days <= MAX_AMICABLE_DAYS:
            raise InvalidScenario(
                "amicable_days", f"must be between {MIN_AMICABLE_DAYS} and {MAX_AMICABLE_DAYS}"
            )
        for step in ordered:
            if step.role is not None and step.role not in ROLES:
                raise InvalidScenario("steps", f"unknown contact role {step.role!r}")
        if ordered and ordered[0].counted_from is CountedFrom.PREVIOUS_STEP:
            raise InvalidScenario("steps", "the first step has no previous step to count from")
        if offsets and offsets[-1] >= self.amicable_days:
            raise InvalidScenario(
                "steps", "every step must come before the end of the amicable phase"
            )

    @property
    def end(self) -> Step:
        return Step(self.amicable_days, Means.INTERNAL_ESCALATION, LITIGATION)

    @cached_property
    def _planned(self) -> tuple[Step, ...]:
        return (*(s for s in self.steps if s.enabled), self.end)

    def planned(self) -> tuple[Step, ...]:
        """Enabled steps in order, then the end of the amicable phase."""
        return self._planned

    def step_after(self, last_offset: int | None) -> Step | None:
        for step in self.planned():
            if last_offset is None or step.offset_days > last_offset:
                return step
        return None

    def step_before(self, step: Step) -> Step | None:
        """The enabled step planned just before ``step`` (None for the first)."""
        before = None
        for s in self.planned():
            if s.offset_days >= step.offset_days:
                return before
            before = s
        return before

    def step_at(self, offset: int) -> Step | None:
        return next((s for s in self.planned() if s.offset_days == offset), None)

    def with_step_enabled(self, offset: int, enabled: bool) -> Scenario:
        if not any(s.offset_days == offset for s in self.steps):
            raise InvalidScenario("offset_days", f"no step on day {offset:+d}")
        steps = tuple(
            replace(s, enabled=enabled) if s.offset_days == offset else s for s in self.steps
        )
        return replace(self, steps=steps)


class DunningMode(StrEnum):
    """``per_customer``: one level per customer, one statement per act, acts a minimum gap
    apart; ``per_invoice``: each invoice follows its own track (grouped only when steps of
    several invoices fall on one day)."""

    PER_CUSTOMER = "per_customer"
    PER_INVOICE = "per_invoice"


class WithoutEmail(StrEnum):
    """What a customer without a usable email gets in place of the email steps: letters
    (then the call), or its first call brought forward to the first email step's day."""

    LETTERS = "letters"
    EARLY_CALL = "early_call"


@dataclass(frozen=True)
class Policy:
    """How hard a profile presses a customer: the dunning mode, the minimum gap between two
    client-facing acts, the most client-facing contacts in any 7 days, thank-yous, the path
    for customers without an email, and how often a dispute's owner is reminded."""

    mode: DunningMode = DunningMode.PER_CUSTOMER
    min_gap_days: int = 7
    contacts_per_week: int = 2
    thank_you: bool = True
    without_email: WithoutEmail = WithoutEmail.LETTERS
    dispute_reminder_days: int = 7

    def __post_init__(self) -> None:
        if not 0 <= self.min_gap_days <= 60:
            raise InvalidScenario("min_gap_days", "must be between 0 and 60")
        if not 1 <= self.contacts_per_week <= 14:
            raise InvalidScenario("contacts_per_week", "must be between 1 and 14")
        if not 1 <= self.dispute_reminder_days <= 60:
            raise InvalidScenario("dispute_reminder_days", "must be between 1 and 60")


# Two registered letters to one customer within this many days need a person's approval.
REGISTERED_LETTER_DAYS = 30
# At most one thank-you per customer in this many days (it lists every payment since).
THANK_YOU_DAYS = 7


@dataclass(frozen=True)
class Profile:
    code: str
    name: str
    scenario_code: str
    segments: tuple[str, ...] = field(default=())
    policy: Policy = field(default_factory=Policy)
