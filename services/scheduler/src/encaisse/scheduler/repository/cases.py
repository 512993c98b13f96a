"""Dunning cases: one per customer with invoices to follow; opened and closed from its tracks."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import text, update

from encaisse.contracts.scheduler import CaseClosed, CaseOpened
from encaisse.scheduler import db
from encaisse.scheduler.repository.rows import Conn, Key

OPEN, CLOSED = "open", "closed"


REFRESH = text("""
WITH k AS (
  SELECT * FROM unnest(CAST(:tenants AS text[]), CAST(:refs AS text[])) AS k(tenant, ref)
), m AS (
  SELECT k.tenant, k.ref,
         least(min(t.due_at) FILTER (WHERE t.state IN ('active', 'paused')),
               (SELECT min(d.due_at) FROM scheduler.deferred d
                WHERE d.tenant = k.tenant AND d.customer_ref = k.ref)) AS first,
         coalesce(bool_or(t.state IN ('active', 'paused')), false) AS live
  FROM k LEFT JOIN scheduler.tracks t ON t.tenant = k.tenant AND t.customer_ref = k.ref
  GROUP BY 1, 2
), old AS (
  SELECT c.tenant, c.customer_ref, c.case_state AS was, m.first,
         m.live AND NOT c.excluded AS live
  FROM scheduler.customers c JOIN m ON c.tenant = m.tenant AND c.customer_ref = m.ref
)
UPDATE scheduler.customers c SET
  next_due_at = CASE WHEN c.excluded THEN NULL ELSE old.first END,
  case_state = CASE WHEN old.live THEN 'open' WHEN old.was = 'open' THEN 'closed'
                    ELSE c.case_state END,
  case_id = CASE WHEN old.live AND old.was <> 'open' THEN gen_random_uuid()::text
                 ELSE c.case_id END,
  case_version = CASE WHEN old.live AND old.was <> 'open' THEN 1
                      WHEN NOT old.live AND old.was = 'open' THEN c.case_version + 1
                      ELSE c.case_version END
FROM old
WHERE c.tenant = old.tenant AND c.customer_ref = old.customer_ref
RETURNING c.tenant, c.customer_ref, c.case_id, c.case_version, c.profile, c.case_state,
          old.was
""")


async def refresh_cases(
    conn: Conn, keys: Sequence[Key], now: datetime
) -> list[CaseOpened | CaseClosed]:
    """Set-based: ``next_due_at`` from the live tracks and deferred messages; open or close
    each case.

    A case opens when a customer gets a live track and closes when none is left (an
    excluded customer has no case).
    Returns the case events to publish (their subject is the case id).
    """
    if not keys:
        return []
    rows = (
        await conn.execute(REFRESH, {"tenants": [k[0] for k in keys], "refs": [k[1] for k in keys]})
    ).all()
    events: list[CaseOpened | CaseClosed] = []
    for r in rows:
        if r.case_state == OPEN and r.was != OPEN:
            events.append(
                CaseOpened(
                    tenant=r.tenant,
                    version=1,
                    case_id=r.case_id,
                    customer_ref=r.customer_ref,
                    profile=r.profile,
                    opened_at=now,
                )
            )
        elif r.case_state == CLOSED and r.was == OPEN:
            events.append(
                CaseClosed(
                    tenant=r.tenant,
                    version=r.case_version,
                    case_id=r.case_id,
                    customer_ref=r.customer_ref,
                    closed_at=now,
                )
            )
    return events


async def bump_case(conn: Conn, tenant: str, customer_ref: str) -> tuple[str | None, int]:
    """The next version of the customer's case, for one more case event."""
    c = db.customers
    row = (
        await conn.execute(
            update(c)
            .where(c.c.tenant == tenant, c.c.customer_ref == customer_ref)
            .values(case_version=c.c.case_version + 1)
            .returning(c.c.case_id, c.c.case_version)
            .execution_options(synchronize_session=False)
        )
    ).one()
    return row.case_id, row.case_version
