"""What the letters service's handlers and workers share, wired once by ``bootstrap``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy.engine import Row

from encaisse.contracts.base import Money
from encaisse.contracts.letters import LetterKind, _LetterReport
from encaisse.kit.links import sign_link
from encaisse.letters.compose import Sender
from encaisse.letters.domain.rates import RateTable
from encaisse.letters.postal.client import HttpPostalProvider
from encaisse.letters.settings import LettersSettings
from encaisse.letters.storage import Storage


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Mailroom:
    settings: LettersSettings
    storage: Storage
    provider: HttpPostalProvider
    rates: RateTable
    now: Callable[[], datetime] = field(default=_now)

    @property
    def sender(self) -> Sender:
        s = self.settings
        return Sender(
            s.sender_name,
            s.sender_lines,
            s.sender_postal_code,
            s.sender_city,
            s.sender_country,
            s.sender_legal,
        )

    def today(self) -> date:
        return self.now().date()

    def portal_url(self, tenant: str, customer_ref: str) -> str:
        s = self.settings
        token = sign_link(
            s.portal_link_keys,
            s.portal_link_key_id,
            tenant,
            customer_ref,
            now=self.now(),
            ttl=timedelta(days=s.portal_link_days),
        )
        return f"{s.portal_base_url.rstrip('/')}/access/{token}"


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
