"""The day run: claim customers with due tracks, decide, group, write commands, advance tracks.

Any number of scheduler instances run it at once. Each batch is one
transaction that claims up to ``batch_size`` customers whose ``next_due_at``
has come with ``SELECT ... FOR UPDATE SKIP LOCKED``: two instances never
split one customer, so grouping per customer is natural and nothing is sent
twice. Reading, advancing and writing are set-based statements over the
whole batch (arrays through ``unnest``); only the pure ``decide`` runs per
customer in Python. Commands go to the outbox in the same transaction.

One customer's decision never stops the others: a customer whose data fails
(its tenant's settings unreadable, a row a bug cannot decide) is logged,
counted in ``encaisse_scheduler_customers_held_total`` and held aside for
``HELD_FOR``, its waiting messages kept; the rest of the batch, of the tenant
and of every other tenant goes on.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from prometheus_client import Counter
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from encaisse.scheduler.domain.scenarios import REGISTERED_LETTER_DAYS
from encaisse.scheduler.repository import batch as batches
from encaisse.scheduler.repository import deferred, tenants
from encaisse.scheduler.repository.batch import Batch, RunStats, hold, write
from encaisse.scheduler.usecases.day import TenantData, one_customer
from encaisse.scheduler.usecases.deferred import add_deferred

__all__ = ["RunStats", "run_batch", "run_due"]

log = logging.getLogger(__name__)
HELD = Counter(
    "encaisse_scheduler_customers_held_total",
    "Customers the day run could not decide (their data fails), held for a while",
    ["tenant"],
)
HELD_FOR = timedelta(hours=1)


async def run_due(engine: AsyncEngine, now: datetime, *, batch_size: int = 500) -> RunStats:
    """Run batches until no customer is due at ``now`` (or the rest is claimed by others)."""
    total = RunStats()
    tenants: dict[str, TenantData] = {}
    while True:
        async with engine.begin() as conn:
            stats = await run_batch(conn, now, batch_size, tenants)
        total.add(stats)
        if stats.customers < batch_size:
            return total


async def run_batch(
    conn: AsyncConnection, now: datetime, limit: int, tenants: dict[str, TenantData]
) -> RunStats:
    claimed = await batches.claim(conn, now, limit)
    if not claimed:
        return RunStats()
    keys = {"tenants": [r.tenant for r in claimed], "refs": [r.customer_ref for r in claimed]}
    live = await batches.live_tracks(conn, keys)
    since = (now - timedelta(days=REGISTERED_LETTER_DAYS + 1)).date()
    used = await batches.used_channels(conn, keys, since)
    waiting, invoices = await deferred.take_due(conn, keys, now)
    batch, decided, held = Batch(now), [], []
    for customer in claimed:
        key = (customer.tenant, customer.customer_ref)
        try:
            data = await _tenant(conn, tenants, customer.tenant)
            part = Batch(now)
            for d in waiting.get(key, []):
                add_deferred(
                    part,
                    data.settings.notice_deadline_days,
                    customer,
                    d,
                    invoices,
                    used[key],
                    fallback_language=data.settings.language,
                )
            one_customer(part, data, customer, live.get(key, []), used.get(key, set()))
        except Exception:
            log.exception(
                "day run: customer %s of tenant %s could not be decided; held "
                "until %s, the others go on",
                key[1],
                key[0],
                now + HELD_FOR,
            )
            HELD.labels(key[0]).inc()
            held.append(key)
            continue
        batch.absorb(part)
        decided.append(key)
    await write(conn, batch, decided)
    await hold(conn, held, now + HELD_FOR, [d for k in held for d in waiting.get(k, [])])
    batch.stats.customers = len(claimed)
    batch.stats.held = len(held)
    batch.stats.batches = 1
    return batch.stats


async def _tenant(conn: AsyncConnection, cache: dict[str, TenantData], tenant: str) -> TenantData:
    """A tenant's rules, read once per run (in a savepoint: a tenant whose rows fail
    to read leaves the batch's transaction usable for the others)."""
    if tenant not in cache:
        async with conn.begin_nested():
            cache[tenant] = TenantData(
                await tenants.tenant_settings(conn, tenant),
                await tenants.scenarios(conn, tenant, with_deleted=True),
                {p.code: p.policy for p in await tenants.profiles(conn, tenant)},
            )
    return cache[tenant]
