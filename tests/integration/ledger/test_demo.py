"""The demo data: loaded through the ledger's functions, twice without a change."""

from __future__ import annotations

from sqlalchemy import func, select

from encaisse.kit.db import make_engine
from encaisse.ledger import db
from encaisse.ledger.demo import TENANT, load
from encaisse.ledger.settings import LedgerSettings
from support.services import migrate


async def _counts(engine) -> dict[str, int]:
    counts = {}
    async with engine.connect() as conn:
        for table in (db.customers, db.invoices, db.payments):
            counts[table.name] = await conn.scalar(
                select(func.count()).select_from(table).where(table.c.tenant == TENANT)
            )
        counts["segments"] = await conn.scalar(
            select(func.count(func.distinct(db.customers.c.segment))).where(
                db.customers.c.tenant == TENANT
            )
        )
        counts["abroad"] = await conn.scalar(
            select(func.count())
            .select_from(db.customers)
            .where(db.customers.c.tenant == TENANT, db.customers.c.country != "FR")
        )
        counts["paid"] = await conn.scalar(
            select(func.count())
            .select_from(db.invoices)
            .where(db.invoices.c.tenant == TENANT, db.invoices.c.status == "paid")
        )
        counts["outbox"] = await conn.scalar(
            select(func.count())
            .select_from(db.outbox)
            .where(db.outbox.c.headers["ce-tenant"].astext == TENANT)
        )
    return counts


async def test_demo_loads_once_and_publishes_through_the_outbox(fresh_database_url):
    # its own database: the scheduler's end-to-end test loads the same demo tenant
    await migrate("ledger", fresh_database_url)
    settings = LedgerSettings(_env_file=None, database_url=fresh_database_url)
    engine = make_engine(fresh_database_url, pool_size=1)
    try:
        await load(settings)
        first = await _counts(engine)
        await load(settings)
        assert await _counts(engine) == first
    finally:
        await engine.dispose()
    assert (first["customers"], first["invoices"]) == (50, 300)
    assert first["segments"] == 5 and first["abroad"] >= 5
    assert 30 <= first["payments"] <= 50 and first["paid"] >= 20
    # one event per customer, per invoice issued, per payment and per invoice it changed
    assert first["outbox"] > 50 + 300 + first["payments"]
