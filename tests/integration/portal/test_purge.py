"""The purge of the access tables, against real PostgreSQL, at a given "now" (no sleeping)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from encaisse.kit.db import make_engine, make_sessions
from encaisse.portal import db
from encaisse.portal.domain.access import LINK_REQUEST_WINDOW as WINDOW
from encaisse.portal.domain.access import PURGE_MARGIN as MARGIN
from encaisse.portal.usecases.purge import Purged, purge
from integration.portal.portal_support import running_portal
from support.services import migrate

NOW = datetime(2030, 6, 1, 12, tzinfo=UTC)


async def _rows(sessions) -> dict[str, set[str]]:
    """The keys left in each table (``_seed`` names them by their offset in minutes)."""
    async with sessions() as session:
        found = {}
        for table, _column, key in (
            (db.sessions, "expires_at", "token_hash"),
            (db.used_links, "expires_at", "token_hash"),
            (db.link_requests, "requested_at", "address_hash"),
        ):
            rows = await session.execute(select(table.c[key]))
            found[table.name] = {r[0] for r in rows}
        return found


async def _seed(sessions, now: datetime, minutes: list[int]) -> None:
    """For each offset, a session and a used link expiring, and a link request made, then."""
    async with sessions() as session, session.begin():
        for m in minutes:
            at = now + timedelta(minutes=m)
            await session.execute(
                db.sessions.insert().values(
                    token_hash=f"s{m}",
                    tenant="ACME",
                    customer_ref="C-1",
                    created_at=at - timedelta(hours=8),
                    expires_at=at,
                )
            )
            await session.execute(
                db.used_links.insert().values(
                    token_hash=f"l{m}",
                    tenant="ACME",
                    customer_ref="C-1",
                    expires_at=at,
                    used_at=at - timedelta(days=30),
                )
            )
            await session.execute(
                db.link_requests.insert().values(
                    address_hash=f"r{m}", client_hash=f"r{m}", requested_at=at - WINDOW
                )
            )


async def test_the_purge_deletes_only_what_expired_past_the_margin_in_batches(fresh_database_url):
    await migrate("portal", fresh_database_url)
    engine = make_engine(fresh_database_url)
    sessions = make_sessions(engine)
    try:
        margin = int(MARGIN.total_seconds() // 60)
        # long gone, just past the margin, exactly at it (gone), within it, not yet expired
        gone = [-60 * 24 * 400, -60 * 24, -margin - 1, -margin]
        kept = [-margin + 1, -1, 0, 60]
        await _seed(sessions, NOW, gone + kept)

        done = await purge(sessions, NOW, batch_size=3)  # several batches, the last one short
        assert done == Purged(sessions=4, used_links=4, link_requests=4)
        left = await _rows(sessions)
        assert left == {
            "sessions": {f"s{m}" for m in kept},
            "used_links": {f"l{m}" for m in kept},
            "link_requests": {f"r{m}" for m in kept},
        }

        assert await purge(sessions, NOW, batch_size=3) == Purged()  # nothing more to do
        later = await purge(sessions, NOW + MARGIN + timedelta(hours=2), batch_size=2)
        assert later == Purged(sessions=4, used_links=4, link_requests=4)  # batch = count
        async with sessions() as session:
            for table in (db.sessions, db.used_links, db.link_requests):
                assert await session.scalar(select(func.count()).select_from(table)) == 0
    finally:
        await engine.dispose()


async def test_the_running_portal_purges_at_start_by_its_own_clock(fresh_database_url, amqp_url):
    await migrate("portal", fresh_database_url)
    engine = make_engine(fresh_database_url)
    try:
        now = datetime.now(UTC)
        await _seed(make_sessions(engine), now, [-60 * 24 * 2, 60 * 24 * 2])
    finally:
        await engine.dispose()
    async with running_portal(
        fresh_database_url, amqp_url, portal_purge_interval_seconds=3600
    ) as portal:
        names = {task.get_name() for task in portal.runtime.tasks}
        assert "portal-purge" in names

        async def purged() -> bool:
            left = await _rows(portal.runtime.sessions)
            return left == {
                "sessions": {f"s{60 * 24 * 2}"},
                "used_links": {f"l{60 * 24 * 2}"},
                "link_requests": {f"r{60 * 24 * 2}"},
            }

        await portal.until(purged)
