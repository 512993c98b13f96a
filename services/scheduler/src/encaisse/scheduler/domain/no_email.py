"""The path of a customer without a usable email: what its email steps become.

Practitioners advise moving quickly to a call for such a customer, to get the address
("passer rapidement à une relance téléphonique ... pour récupérer l'adresse email").
The profile's ``without_email`` says how:

- ``letters`` (the default for standard and export): every email step after the due
  date goes as a simple letter; the scenario's call comes when it comes.
- ``early_call``: the first email step after the due date becomes a call (a task for a
  collector, the same day); the later email steps go as letters.

Before the due date nothing is late: a courtesy reminder goes by SMS when the customer
has a phone, and is otherwise skipped (a letter or a call has the words of arrears).
Either way, the first email step that cannot be emailed asks a collector, once, to
collect an email (a ``collect_email`` task).
"""

from __future__ import annotations

from dataclasses import replace

from encaisse.scheduler.domain.contacts import Contacts
from encaisse.scheduler.domain.scenarios import Means, Policy, Scenario, Step, WithoutEmail


def needs_substitute(step: Step, customer: Contacts) -> bool:
    return step.channel is Means.EMAIL and not customer.reachable_by_email


def substitute(step: Step, customer: Contacts, policy: Policy, scenario: Scenario | None) -> Step:
    """The step as this customer gets it (the step itself when it can be emailed)."""
    if not needs_substitute(step, customer):
        return step
    if step.offset_days <= 0:
        return replace(step, channel=Means.SMS) if customer.reachable_by_phone else step
    if policy.without_email is WithoutEmail.EARLY_CALL and _first_email_after_due(step, scenario):
        return replace(step, channel=Means.CALL, template="call")
    return replace(step, channel=Means.LETTER, template="reminder_letter")


def _first_email_after_due(step: Step, scenario: Scenario | None) -> bool:
    if scenario is None:
        return False
    first = next(
        (s for s in scenario.planned() if s.channel is Means.EMAIL and s.offset_days > 0), None
    )
    return first is not None and first.offset_days == step.offset_days
