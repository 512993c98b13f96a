"""Signing in with a link: a link is checked, then spent once for a session.

A link (``encaisse.kit.links``) is checked for signature, expiry and the customer's
"revoked before" time, then recorded by its SHA-256 as used: a link works once. The
session token is random, sent as an HttpOnly cookie, and stored as its SHA-256 only.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from encaisse.kit.links import InvalidLink, LinkClaims, sign_link, token_hash, verify_link
from encaisse.portal.domain.access import PortalSession, link_issue_time, revoked
from encaisse.portal.repository import access as repository
from encaisse.portal.settings import PortalSettings


async def check_link(
    session: AsyncSession, keys: dict[str, str], token: str, now: datetime
) -> LinkClaims:
    """A valid, unrevoked, unused link's claims; InvalidLink otherwise (no side effect)."""
    claims = verify_link(keys, token, now=now)
    before = await repository.revoked_before(session, claims.tenant, claims.customer_ref)
    if revoked(claims.issued_at, before):
        raise InvalidLink("revoked")
    if await repository.link_spent(session, token_hash(token)):
        raise InvalidLink("already used")
    return claims


async def sign_in(
    session: AsyncSession, keys: dict[str, str], token: str, now: datetime, ttl: timedelta
) -> PortalSession:
    """Spend the link (once, even under concurrent clicks) and open a session."""
    claims = await check_link(session, keys, token, now)
    if not await repository.spend_link(session, token_hash(token), claims, now):
        raise InvalidLink("already used")
    session_token = secrets.token_urlsafe(32)
    await repository.add_session(
        session, token_hash(session_token), claims.tenant, claims.customer_ref, now, now + ttl
    )
    return PortalSession(claims.tenant, claims.customer_ref, session_token)


async def find_session(session: AsyncSession, token: str, now: datetime) -> PortalSession | None:
    """The debtor's session of this cookie, unless it expired or was revoked."""
    row = await repository.live_session(session, token_hash(token), now)
    if row is None:
        return None
    before = await repository.revoked_before(session, row.tenant, row.customer_ref)
    if revoked(row.created_at, before):
        return None
    return PortalSession(row.tenant, row.customer_ref, token)


async def sign_out(session: AsyncSession, portal_session: PortalSession) -> None:
    await repository.end_session(session, token_hash(portal_session.token))


async def revoke(session: AsyncSession, tenant: str, customer_ref: str, now: datetime) -> None:
    """Every link issued and every session opened up to now stops working."""
    await repository.revoke(session, tenant, customer_ref, now)


async def issue_link(
    session: AsyncSession,
    settings: PortalSettings,
    tenant: str,
    customer_ref: str,
    ttl: timedelta,
    now: datetime,
) -> tuple[str, datetime]:
    """A signed link for a customer (its address and expiry), valid after any revocation."""
    issued = link_issue_time(now, await repository.revoked_before(session, tenant, customer_ref))
    token = sign_link(
        settings.portal_link_keys,
        settings.portal_link_key_id,
        tenant,
        customer_ref,
        now=issued,
        ttl=ttl,
    )
    return f"{settings.portal_base_url.rstrip('/')}/access/{token}", issued + ttl
