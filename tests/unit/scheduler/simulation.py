"""What happens to one customer's invoices in the pure simulations of the day run: paid,
paid in part, disputed, resolved, promised (``test_properties``, ``test_per_customer``)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal

from encaisse.scheduler.domain.contacts import Contacts
from encaisse.scheduler.domain.day import customer_slot
from encaisse.scheduler.domain.planning import (
    Track,
    TrackState,
    close,
    pause_for_dispute,
    pause_for_promise,
    resume_after_dispute,
)
from encaisse.scheduler.domain.windows import SendingWindow


@dataclass(frozen=True)
class Happening:
    day: int
    invoice: int
    kind: str  # pay, part, dispute, resolve, promise
    arg: int = 0


def happen(
    h: Happening,
    today: date,
    customer: Contacts,
    window: SendingWindow,
    plans,
    tracks: dict[str, Track],
    paid: dict[str, date],
    pauses: dict[str, list[list[date]]],
) -> None:
    """Apply ``h`` to the invoice it names (nothing once it is closed or escalated)."""
    slot = customer_slot(customer, window)
    number = f"F{h.invoice}"
    t = tracks.get(number)
    if t is None or t.state in (TrackState.CLOSED, TrackState.ESCALATED):
        return
    if h.kind == "pay":
        tracks[number] = close(t, Decimal(0))
        paid[number] = today
    elif h.kind == "part":
        tracks[number] = replace(t, open_balance=t.open_balance / 2)
    elif h.kind == "dispute" and t.state is TrackState.ACTIVE:
        tracks[number] = pause_for_dispute(t, today)
        pauses.setdefault(number, []).append([today, date.max])
    elif h.kind == "resolve" and t.state is TrackState.PAUSED and t.pause_until is None:
        tracks[number] = resume_after_dispute(t, plans(t), today, slot)
        pauses[number][-1][1] = today - timedelta(days=1)
    elif h.kind == "promise" and t.state is TrackState.ACTIVE:
        paused = pause_for_promise(t, today, today + timedelta(days=h.arg), 3, slot)
        tracks[number] = paused
        pauses.setdefault(number, []).append([today, paused.pause_until])
