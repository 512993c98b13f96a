"""The receivables figures' queries: aging balance and DSO terms, per currency, on a day."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import RowMapping, text
from sqlalchemy.ext.asyncio import AsyncSession

# What each invoice issued up to CAST(:as_of AS date) still owed at the end of that day:
# its amount less what payments dated up to CAST(:as_of AS date) (and not rejected)
# allocated to it.
_OWED_ON = """
SELECT i.currency, i.due_date, i.issue_date, i.amount,
       i.amount - coalesce(paid.amount, 0) AS owed
FROM ledger.invoices i
LEFT JOIN LATERAL (
    SELECT sum(a.amount) AS amount
    FROM ledger.allocations a
    JOIN ledger.payments p ON p.tenant = a.tenant AND p.ref = a.payment_ref
    WHERE a.tenant = i.tenant AND a.invoice_number = i.number
      AND p.paid_on <= CAST(:as_of AS date) AND p.status = 'received'
) paid ON true
WHERE i.tenant = :tenant AND i.issue_date <= CAST(:as_of AS date)
  AND i.status NOT IN ('cancelled', 'written_off')
"""

AGING = f"""
SELECT currency,
       sum(owed) FILTER (WHERE CAST(:as_of AS date) - due_date <= 0) AS not_due,
       sum(owed) FILTER (WHERE CAST(:as_of AS date) - due_date BETWEEN 1 AND 30) AS days_1_30,
       sum(owed) FILTER (WHERE CAST(:as_of AS date) - due_date BETWEEN 31 AND 60) AS days_31_60,
       sum(owed) FILTER (WHERE CAST(:as_of AS date) - due_date BETWEEN 61 AND 90) AS days_61_90,
       sum(owed) FILTER (WHERE CAST(:as_of AS date) - due_date > 90) AS over_90,
       sum(owed) AS total
FROM ({_OWED_ON}) o
WHERE owed > 0
GROUP BY currency ORDER BY currency
"""


async def aging_rows(session: AsyncSession, tenant: str, as_of: date) -> list[RowMapping]:
    """Per currency, what was owed at the end of ``as_of`` in each aging bucket (null when
    nothing) and in total."""
    rows = await session.execute(text(AGING), {"tenant": tenant, "as_of": as_of})
    return list(rows.mappings().all())


_DSO = f"""
SELECT currency, sum(owed) AS receivables,
       coalesce(sum(amount) FILTER (WHERE issue_date > CAST(:start AS date)), 0) AS sales
FROM ({_OWED_ON}) o
GROUP BY currency ORDER BY currency
"""


async def dso_rows(session: AsyncSession, tenant: str, as_of: date, days: int) -> list[RowMapping]:
    """Per currency, the receivables at the end of ``as_of`` and the sales of the ``days``
    days ending on it."""
    start = as_of - timedelta(days=days)
    rows = await session.execute(text(_DSO), {"tenant": tenant, "as_of": as_of, "start": start})
    return list(rows.mappings().all())
