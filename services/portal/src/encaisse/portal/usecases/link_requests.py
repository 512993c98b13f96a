"""Asking for a new link by email: the same answer whether the address is known or not.

Asking is rate-limited per address and per client (both kept as keyed hashes only). For
each customer with that billing address, the notifier is asked to send the
``portal_link`` email; it signs the link itself.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from datetime import datetime

from encaisse.bus.uow import UnitOfWork
from encaisse.contracts.common import Debtor
from encaisse.contracts.notifier import SendEmail
from encaisse.portal.domain.access import LINK_REQUEST_WINDOW
from encaisse.portal.repository import link_requests as repository
from encaisse.portal.settings import PortalSettings


def _keyed(settings: PortalSettings, value: str) -> str:
    return hmac.new(settings.current_link_key.encode(), value.encode(), hashlib.sha256).hexdigest()


async def request_links(
    uow: UnitOfWork, settings: PortalSettings, address: str, client: str, now: datetime
) -> None:
    """Within the limits, ask the notifier for a link email to each customer billed at
    ``address``; past them, nothing (the debtor is answered the same)."""
    allowed = await repository.take_link_request(
        uow.session,
        _keyed(settings, address),
        _keyed(settings, "client:" + client),
        now,
        LINK_REQUEST_WINDOW,
        settings.portal_link_requests_per_hour,
    )
    if not allowed:
        return
    for row in await repository.customers_by_email(uow.session, address):
        command = SendEmail(
            tenant=row.tenant,
            idempotency_key=f"portal-link-{uuid.uuid4()}",
            template="portal_link",
            to=(address,),
            include_portal_link=True,
            debtor=Debtor(
                customer_ref=row.customer_ref,
                name=row.name,
                language=row.language,
                timezone=row.timezone,
                country=row.country,
            ),
        )
        await uow.publish(command, subject=row.customer_ref)
