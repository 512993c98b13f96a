"""The bounce mailbox: a maildir of delivery status notifications (an adapter).

The mailbox (``ENCAISSE_BOUNCE_MAILDIR``) is where the MTA delivers the Return-Path's
mail (or that fetchmail fills from IMAP). Each DSN is read (``domain.bounces``) and
applied in one transaction (``usecases.reports.record_bounce``), then removed; a failure
there leaves it for the next pass (``NotifierParts``: read every
``ENCAISSE_BOUNCE_POLL_SECONDS`` through ``Runtime.every``).
"""

from __future__ import annotations

import logging
import mailbox
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from encaisse.notifier.domain.bounces import parse_dsn
from encaisse.notifier.usecases.reports import record_bounce

log = logging.getLogger(__name__)


async def process_maildir(directory: Path, sessions: async_sessionmaker[AsyncSession]) -> int:
    """Apply every DSN waiting in the maildir, then remove it; returns the bounces applied."""
    box = mailbox.Maildir(directory, create=True)
    applied = 0
    for key in list(box.keys()):
        with box.get_file(key) as f:
            bounces = parse_dsn(f.read())
        async with sessions() as session, session.begin():
            for bounce in bounces:
                if await record_bounce(session, bounce):
                    applied += 1
        box.remove(key)
        if not bounces:
            log.info("bounce mailbox: a message that is not a delivery failure was dropped")
    return applied
