"""Synthetic open invoices for benchmarks and load tests, generated inside PostgreSQL.

``seed`` writes ``customers`` customers with ``per_customer`` open invoices
each, following the standard scenario, with due dates spread over
``due_from``..``due_to`` days around ``today``; each track already holds its
next step and ``due_at`` as the planner would have left it (09:00 in Paris on
the step's day, without moving weekend days: the day run copes either way).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from encaisse.scheduler.domain.defaults import DEFAULT_SCENARIOS
from encaisse.scheduler.repository.tenants import seed as seed_tenant

STANDARD_OFFSETS = [s.offset_days for s in DEFAULT_SCENARIOS[0].planned()]

CUSTOMERS = text("""
INSERT INTO scheduler.customers (tenant, customer_ref, version, name, segment, country, language,
  timezone, email, phone, address, sales_rep_email, profile, case_id, case_state, case_version)
SELECT :tenant, 'C' || lpad(i::text, 7, '0'), 1, 'Client ' || i, 'sme', 'FR', 'fr',
  'Europe/Paris', 'ap' || i || '@client.example', '+336' || lpad(i::text, 8, '0'),
  '{"lines": ["1 rue de la Paix"], "postal_code": "75002", "city": "Paris", "country": "FR"}',
  'rep@acme.example', 'standard', gen_random_uuid()::text, 'open', 1
FROM generate_series(1, :customers) AS i
""")

TRACKS = text("""
INSERT INTO scheduler.tracks (tenant, invoice_number, customer_ref, invoice_version, issue_date,
  due_date, amount, open_balance, currency, status, scenario_code, state, last_offset,
  shift_days, path, due_at)
SELECT :tenant, 'F' || lpad(i::text, 7, '0') || '-' || j, 'C' || lpad(i::text, 7, '0'), 1,
  d.due - 30, d.due, 100 + j, 100 + j, 'EUR', 'open', 'standard', 'active', l.last, 0,
  'scenario', ((d.due + n.next) + time '09:00') AT TIME ZONE 'Europe/Paris'
FROM generate_series(1, :customers) AS i, generate_series(1, :per) AS j,
LATERAL (SELECT CAST(:today AS date) + (:due_from + (i * 7919 + j * 104729) % :span) AS due) d,
LATERAL (SELECT min(o) AS next FROM unnest(CAST(:offsets AS int[])) o
         WHERE d.due + o >= CAST(:today AS date)) n,
LATERAL (SELECT max(o) AS last FROM unnest(CAST(:offsets AS int[])) o
         WHERE d.due + o < CAST(:today AS date)) l
""")

NEXT_DUE = text("""
UPDATE scheduler.customers c SET next_due_at = m.first
FROM (SELECT tenant, customer_ref, min(due_at) AS first FROM scheduler.tracks
      WHERE tenant = :tenant AND state IN ('active', 'paused') GROUP BY 1, 2) m
WHERE c.tenant = m.tenant AND c.customer_ref = m.customer_ref
""")


async def seed(
    conn: AsyncConnection,
    *,
    tenant: str,
    customers: int,
    per_customer: int,
    today: date,
    due_from: int = -59,
    due_to: int = 30,
) -> None:
    await seed_tenant(conn, tenant)
    await conn.execute(CUSTOMERS, {"tenant": tenant, "customers": customers})
    await conn.execute(
        TRACKS,
        {
            "tenant": tenant,
            "customers": customers,
            "per": per_customer,
            "today": today,
            "due_from": due_from,
            "span": due_to - due_from + 1,
            "offsets": STANDARD_OFFSETS,
        },
    )
    await conn.execute(NEXT_DUE, {"tenant": tenant})
