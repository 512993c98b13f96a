"""Dunning cases: one per customer with invoices to follow; opened and closed from its tracks."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import String, and_, exists, func, select, tuple_, update

from encaisse.contracts import Event
from encaisse.contracts.scheduler import CaseClosed, CaseOpened
from encaisse.scheduler import db
from encaisse.scheduler.repo import LIVE, Db, Key, refresh_next_due

OPEN, CLOSED = "open", "closed"


async def refresh_cases(db_: Db, keys: Sequence[Key], now: datetime) -> list[Event]:
    """Recompute ``next_due_at``; open a case where tracks are live, close it where none is.

    Returns the case events to publish (their subject is the case id).
    """
    if not keys:
        return []
    await refresh_next_due(db_, keys)
    c, t = db.customers, db.tracks
    live = exists().where(t.c.tenant == c.c.tenant, t.c.customer_ref == c.c.customer_ref,
                          t.c.state.in_(LIVE))
    in_keys = tuple_(c.c.tenant, c.c.customer_ref).in_(list(keys))
    opened = (await db_.execute(
        update(c).where(and_(in_keys, c.c.case_state != OPEN, live))
        .values(case_id=func.gen_random_uuid().cast(String), case_state=OPEN, case_version=1)
        .returning(c.c.tenant, c.c.customer_ref, c.c.case_id, c.c.profile)
        .execution_options(synchronize_session=False))).all()
    closed = (await db_.execute(
        update(c).where(and_(in_keys, c.c.case_state == OPEN, ~live))
        .values(case_state=CLOSED, case_version=c.c.case_version + 1)
        .returning(c.c.tenant, c.c.customer_ref, c.c.case_id, c.c.case_version)
        .execution_options(synchronize_session=False))).all()
    events: list[Event] = [
        CaseOpened(tenant=r.tenant, version=1, case_id=r.case_id, customer_ref=r.customer_ref,
                   profile=r.profile, opened_at=now) for r in opened]
    events += [CaseClosed(tenant=r.tenant, version=r.case_version, case_id=r.case_id,
                          customer_ref=r.customer_ref, closed_at=now) for r in closed]
    return events


async def bump_case(db_: Db, tenant: str, customer_ref: str) -> tuple[str | None, int]:
    """The next version of the customer's case, for one more case event."""
    c = db.customers
    row = (await db_.execute(
        update(c).where(c.c.tenant == tenant, c.c.customer_ref == customer_ref)
        .values(case_version=c.c.case_version + 1)
        .returning(c.c.case_id, c.c.case_version)
        .execution_options(synchronize_session=False))).one()
    return row.case_id, row.case_version


async def case_of(db_: Db, tenant: str, customer_ref: str) -> str | None:
    c = db.customers
    return await db_.scalar(select(c.c.case_id).where(c.c.tenant == tenant,
                                                       c.c.customer_ref == customer_ref))
