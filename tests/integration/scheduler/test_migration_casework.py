"""Migration 0008 keeps the exclusions staff set before exclusions had a reason: the
customer flag that mixed the ledger's and staff's is split without lifting staff's."""

from __future__ import annotations

import asyncio

from alembic import command
from sqlalchemy import text

from encaisse.kit.db import make_engine
from encaisse.kit.migrations import alembic_config, upgrade
from encaisse.scheduler.app import MIGRATIONS

ROWS = """
INSERT INTO scheduler.customers (tenant, customer_ref, name, excluded) VALUES
  ('T', 'STAFF', 'excluded by staff', true),
  ('T', 'LEDGER', 'excluded by the ledger', true),
  ('T', 'BACK', 'excluded, then included again', false);
INSERT INTO scheduler.timeline (tenant, customer_ref, at, kind, invoice_numbers, detail) VALUES
  ('T', 'STAFF', '2026-03-01T10:00:00Z', 'excluded', '{}', 'by Alice Admin'),
  ('T', 'BACK', '2026-03-01T10:00:00Z', 'excluded', '{}', 'by Alice Admin'),
  ('T', 'BACK', '2026-03-02T10:00:00Z', 'included', '{}', 'by Alice Admin');
INSERT INTO scheduler.tracks (tenant, invoice_number, customer_ref, invoice_version, issue_date,
  due_date, amount, open_balance, currency, status, scenario_code, state, excluded) VALUES
  ('T', 'F1', 'BACK', 1, '2026-02-01', '2026-03-01', 10, 10, 'EUR', 'open', 'standard',
   'active', true)
"""


async def test_staff_exclusions_from_before_survive_the_split(fresh_database_url):
    await asyncio.to_thread(upgrade, MIGRATIONS, fresh_database_url, "0005")
    engine = make_engine(fresh_database_url, pool_size=1)
    try:
        async with engine.begin() as conn:
            for statement in ROWS.split(";"):
                await conn.execute(text(statement))
        await asyncio.to_thread(upgrade, MIGRATIONS, fresh_database_url, "0008")
        async with engine.connect() as conn:
            flags = {
                r.customer_ref: (r.ledger_excluded, r.staff_excluded, r.excluded)
                for r in await conn.execute(text("SELECT * FROM scheduler.customers"))
            }
            kept = (
                await conn.execute(
                    text(
                        "SELECT customer_ref, invoice_number, set_by, status "
                        "FROM scheduler.exclusions ORDER BY customer_ref"
                    )
                )
            ).all()
        await asyncio.to_thread(
            command.downgrade, alembic_config(MIGRATIONS, fresh_database_url), "0005"
        )
        async with engine.connect() as conn:
            rows = await conn.execute(
                text("SELECT customer_ref, excluded FROM scheduler.customers")
            )
            back = {r.customer_ref: r.excluded for r in rows}
    finally:
        await engine.dispose()
    assert back == {"STAFF": True, "LEDGER": True, "BACK": False}  # and back again
    assert flags == {
        "STAFF": (True, True, True),
        "LEDGER": (True, False, True),
        "BACK": (False, False, False),
    }
    assert [tuple(r) for r in kept] == [
        ("BACK", "F1", "staff", "active"),
        ("STAFF", "", "Alice Admin", "active"),
    ]
