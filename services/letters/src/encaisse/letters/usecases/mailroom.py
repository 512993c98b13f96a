"""What the letters' acts share beyond the database: the sender, the day, portal links, and
the events about a letter."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.engine import Row

from encaisse.contracts.base import Money
from encaisse.contracts.letters import LetterKind, _LetterReport
from encaisse.kit.clock import Clock, today
from encaisse.kit.links import sign_link
from encaisse.letters.domain.compose import Sender
from encaisse.letters.settings import LettersSettings


@dataclass(frozen=True)
class Mailroom:
    settings: LettersSettings
    clock: Clock  # the runtime's

    @property
    def sender(self) -> Sender:
        settings = self.settings
        return Sender(
            settings.sender_name,
            settings.sender_lines,
            settings.sender_postal_code,
            settings.sender_city,
            settings.sender_country,
            settings.sender_legal,
        )

    def now(self) -> datetime:
        return self.clock.now()

    def today(self) -> date:
        """The day a letter is written, in Paris."""
        return today(self.clock)

    def portal_url(self, tenant: str, customer_ref: str) -> str:
        settings = self.settings
        token = sign_link(
            settings.portal_link_keys,
            settings.portal_link_key_id,
            tenant,
            customer_ref,
            now=self.now(),
            ttl=timedelta(days=settings.portal_link_days),
        )
        return f"{settings.portal_base_url.rstrip('/')}/access/{token}"


def report(model: type[_LetterReport], row: Row[Any], version: int, **extra: Any) -> _LetterReport:
    """An event about a letter, from its row."""
    cost = (
        Money(amount=row.cost_amount, currency=row.cost_currency)
        if row.cost_amount is not None
        else None
    )
    fields: dict[str, Any] = {
        "tenant": row.tenant,
        "version": version,
        "letter_id": row.id,
        "command_key": row.command_key,
        "kind": LetterKind(row.kind),
        "customer_ref": row.customer_ref,
        "case_id": row.case_id,
        "step": row.step,
        "cost": cost,
        **extra,
    }
    return model(**fields)
