"""The defaults every tenant starts with: five profiles (standard, key account, export,
public body, risky) and their scenarios, and two ready-made scenarios a rule can attach
(direct debit, internal account)."""

from __future__ import annotations

from encaisse.scheduler.domain.scenarios import (
    CountedFrom,
    Means,
    Mode,
    Policy,
    Profile,
    Scenario,
    Step,
)

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
