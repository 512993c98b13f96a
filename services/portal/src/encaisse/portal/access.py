"""Access: signed links exchanged once for a session; CSRF tokens bound to the session.

A link (see ``encaisse.kit.links``) is checked for signature, expiry and the
customer's "revoked before" time, then recorded by its SHA-256 as used: a link
works once. The session token is random, sent as an HttpOnly cookie, and
stored as its SHA-256 only. The CSRF token is an HMAC of the session token, so
only a page served to that session can carry it (no storage needed). Before
sign-in (asking for a new link, or a link's button), it is an HMAC of a random
cookie instead.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from encaisse.kit.links import InvalidLink, LinkClaims, token_hash, verify_link
from encaisse.portal import db

COOKIE = "encaisse_portal"
FORM_COOKIE = "encaisse_form"  # the link request form's (/access/request)
LINK_FORM_COOKIE = "encaisse_link_form"  # a link page's, whose button opens the session


@dataclass(frozen=True)
class DebtorSession:
    tenant: str
    customer_ref: str
    token: str

    @property
    def csrf(self) -> str:
        return csrf_token(self.token)


def csrf_token(session_token: str) -> str:
    return hmac.new(session_token.encode(), b"portal-csrf", hashlib.sha256).hexdigest()


def csrf_ok(session: DebtorSession, submitted: str | None) -> bool:
    return bool(submitted) and hmac.compare_digest(session.csrf, submitted or "")


def form_csrf(key: str, form_cookie: str) -> str:
    """Before sign-in, the CSRF token is bound to a random cookie (signed double submit)."""
    return hmac.new(
        key.encode(), b"portal-form:" + form_cookie.encode(), hashlib.sha256
    ).hexdigest()


def form_csrf_ok(key: str, form_cookie: str | None, submitted: str | None) -> bool:
    return (
        bool(form_cookie)
        and bool(submitted)
        and hmac.compare_digest(form_csrf(key, form_cookie or ""), submitted or "")
    )


async def revoked_before(
    db_session: AsyncSession, tenant: str, customer_ref: str
) -> datetime | None:
    return await db_session.scalar(
        select(db.revocations.c.revoked_before).where(
            db.revocations.c.tenant == tenant, db.revocations.c.customer_ref == customer_ref
        )
    )


async def check_link(
    db_session: AsyncSession, keys: dict[str, str], token: str, now: datetime
) -> LinkClaims:
    """A valid, unrevoked, unused link's claims; InvalidLink otherwise (no side effect)."""
    claims = verify_link(keys, token, now=now)
    revoked = await revoked_before(db_session, claims.tenant, claims.customer_ref)
    if revoked is not None and claims.issued_at <= revoked:
        raise InvalidLink("revoked")
    used = await db_session.scalar(
        select(db.used_links.c.token_hash).where(db.used_links.c.token_hash == token_hash(token))
    )
    if used is not None:
        raise InvalidLink("already used")
    return claims


async def exchange_link(
    db_session: AsyncSession, keys: dict[str, str], token: str, now: datetime, ttl: timedelta
) -> DebtorSession:
    """Spend the link (once, even under concurrent clicks) and open a session."""
    claims = await check_link(db_session, keys, token, now)
    spent = await db_session.execute(
        insert(db.used_links)
        .values(
            token_hash=token_hash(token),
            tenant=claims.tenant,
            customer_ref=claims.customer_ref,
            expires_at=claims.expires_at,
            used_at=now,
        )
        .on_conflict_do_nothing()
        .returning(db.used_links.c.token_hash)
    )
    if spent.first() is None:
        raise InvalidLink("already used")
    session_token = secrets.token_urlsafe(32)
    await db_session.execute(
        db.sessions.insert().values(
            token_hash=token_hash(session_token),
            tenant=claims.tenant,
            customer_ref=claims.customer_ref,
            created_at=now,
            expires_at=now + ttl,
        )
    )
    return DebtorSession(claims.tenant, claims.customer_ref, session_token)


async def find_session(db_session: AsyncSession, token: str, now: datetime) -> DebtorSession | None:
    s = db.sessions.c
    row = (
        await db_session.execute(
            select(s.tenant, s.customer_ref, s.created_at).where(
                s.token_hash == token_hash(token), s.expires_at > now
            )
        )
    ).first()
    if row is None:
        return None
    revoked = await revoked_before(db_session, row.tenant, row.customer_ref)
    if revoked is not None and row.created_at <= revoked:
        return None
    return DebtorSession(row.tenant, row.customer_ref, token)


async def end_session(db_session: AsyncSession, token: str) -> None:
    await db_session.execute(
        delete(db.sessions).where(db.sessions.c.token_hash == token_hash(token))
    )


async def revoke(db_session: AsyncSession, tenant: str, customer_ref: str, now: datetime) -> None:
    """Every link issued and every session opened up to now stops working."""
    stmt = insert(db.revocations).values(
        tenant=tenant, customer_ref=customer_ref, revoked_before=now
    )
    await db_session.execute(
        stmt.on_conflict_do_update(
            index_elements=["tenant", "customer_ref"], set_={"revoked_before": now}
        )
    )
    await db_session.execute(
        delete(db.sessions).where(
            db.sessions.c.tenant == tenant, db.sessions.c.customer_ref == customer_ref
        )
    )
