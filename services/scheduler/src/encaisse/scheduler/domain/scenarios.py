"""Scenarios, steps, profiles, and the defaults every tenant starts with.

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


P = CountedFrom.PREVIOUS_STEP  # the ready-made scenarios count their later steps so


def _s(
    offset: int,
    channel: Means,
    template: str,
    mode: Mode = Mode.AUTO,
    cc: bool = False,
    counted_from: CountedFrom = CountedFrom.DUE_DATE,
    role: str | None = None,
) -> Step:
    return Step(offset, channel, template, mode, True, cc, counted_from, role)


E, C, L, R, I = (  # noqa: E741 - the channels' initials, for the scenario tables below
    Means.EMAIL,
    Means.CALL,
    Means.LETTER,
    Means.REGISTERED_LETTER,
    Means.INTERNAL_ESCALATION,
)

DEFAULT_SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        "standard",
        "Standard (SMEs, individuals)",
        (
            _s(-7, E, "courtesy_reminder"),
            _s(7, E, "first_reminder"),
            _s(14, E, "second_reminder", cc=True, role="accounts_payable"),
            _s(21, C, "call", role="accounts_payable"),
            _s(28, L, "reminder_letter", role="finance_director"),
            _s(35, R, "formal_notice", role="finance_director"),
        ),
    ),
    Scenario(
        "key_account",
        "Key account",
        (
            _s(-15, C, "check_invoice_received"),
            _s(-5, E, "courtesy_reminder"),
            _s(5, C, "call"),
            _s(15, E, "first_reminder", cc=True, role="accounts_payable"),
            _s(30, I, "account_manager_escalation"),
            _s(45, R, "formal_notice", Mode.VALIDATE, role="finance_director"),
        ),
    ),
    Scenario(
        "export",
        "Export",
        (
            _s(-7, E, "courtesy_reminder"),
            _s(7, E, "first_reminder"),
            _s(14, E, "second_reminder", role="accounts_payable"),
            _s(21, C, "call", role="accounts_payable"),
            _s(28, E, "third_reminder", cc=True, role="finance_director"),
            _s(35, R, "formal_notice", role="finance_director"),
        ),
    ),
    Scenario(
        "public_body",
        "Public body",
        (
            _s(-7, E, "courtesy_reminder"),
            _s(15, E, "first_reminder"),
            _s(30, C, "call", role="accounts_payable"),
            _s(45, L, "reminder_letter", role="finance_director"),
        ),
    ),
    Scenario(
        "risky",
        "Risky (earlier and more insistent)",
        (
            _s(-10, E, "courtesy_reminder"),
            _s(3, E, "first_reminder"),
            _s(7, C, "call", counted_from=P, role="accounts_payable"),
            _s(11, E, "second_reminder", cc=True, counted_from=P, role="finance_director"),
            _s(15, L, "reminder_letter", counted_from=P, role="finance_director"),
            _s(21, R, "formal_notice", counted_from=P, role="finance_director"),
        ),
    ),
    # Ready-made, attached to no rule by default (a tenant attaches them by a rule).
    Scenario(
        "direct_debit",
        "Direct debit (no courtesy reminder: the debit pays on the due date)",
        (
            _s(7, E, "first_reminder"),
            _s(14, E, "second_reminder", cc=True, counted_from=P, role="accounts_payable"),
            _s(21, C, "call", counted_from=P, role="accounts_payable"),
            _s(28, L, "reminder_letter", counted_from=P, role="finance_director"),
            _s(35, R, "formal_notice", counted_from=P, role="finance_director"),
        ),
    ),
    Scenario(
        "internal_account",
        "Internal account (parent or subsidiary: emails, then an internal escalation)",
        (
            _s(-7, E, "courtesy_reminder"),
            _s(7, E, "first_reminder"),
            _s(21, E, "second_reminder", cc=True, counted_from=P, role="finance_director"),
            _s(35, I, "account_manager_escalation", counted_from=P),
        ),
    ),
)

DEFAULT_PROFILES: tuple[Profile, ...] = (
    Profile("standard", "Standard SME and individuals", "standard", ("sme", "individual")),
    Profile("key_account", "Key account", "key_account", ("key_account",)),
    Profile("export", "Export", "export", ("export",)),
    Profile("public_body", "Public body", "public_body", ("public",)),
    Profile(
        "risky",
        "Risky (high risk class)",
        "risky",
        (),
        Policy(min_gap_days=4, dispute_reminder_days=3),
    ),
)
DEFAULT_PROFILE = "standard"
EXPORT_PROFILE = "export"
RISKY_PROFILE = "risky"
