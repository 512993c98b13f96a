"""Open disputes whose internal owner is due a reminder, claimed set-based."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import text

from encaisse.scheduler.repository.rows import Conn

# Every ``dispute_reminder_days`` of the customer's profile (7 if it has none) from the
# day the dispute opened, in the customer's time zone. ``SKIP LOCKED`` and the re-checked
# ``reminded_on`` make two instances remind once: the one that claims a dispute marks it
# in the same statement, the other skips it or finds it reminded.
CLAIM = text("""
WITH due AS (
  SELECT d.id, d.tenant, d.customer_ref, d.invoice_number, d.reason,
         CAST(timezone(coalesce(c.timezone, 'UTC'), d.opened_at) AS date) AS opened_on,
         CAST(timezone(coalesce(c.timezone, 'UTC'), CAST(:now AS timestamptz)) AS date) AS today,
         c.case_id, coalesce(c.sales_rep_email, tn.credit_owner_email) AS owner
  FROM scheduler.disputes d
  JOIN scheduler.customers c ON c.tenant = d.tenant AND c.customer_ref = d.customer_ref
  JOIN scheduler.tenants tn ON tn.tenant = d.tenant
  LEFT JOIN scheduler.profiles p ON p.tenant = c.tenant AND p.code = c.profile
  WHERE d.status = 'open'
    AND coalesce(d.reminded_on,
                 CAST(timezone(coalesce(c.timezone, 'UTC'), d.opened_at) AS date))
        + coalesce(p.dispute_reminder_days, 7)
        <= CAST(timezone(coalesce(c.timezone, 'UTC'), CAST(:now AS timestamptz)) AS date)
  ORDER BY d.opened_at, d.id
  LIMIT :limit
  FOR UPDATE OF d SKIP LOCKED
)
UPDATE scheduler.disputes d SET reminded_on = due.today
FROM due WHERE d.id = due.id
RETURNING due.*
""")


async def claim_due(conn: Conn, now: datetime, limit: int) -> list[Any]:
    """Open disputes due a reminder of their owner, marked reminded today."""
    return list((await conn.execute(CLAIM, {"now": now, "limit": limit})).all())
