"""Access rules: a debtor's portal session, CSRF tokens, revocation, the clean-up's times.

The session token is random and stored as its SHA-256 only. The CSRF token of a
signed-in form is an HMAC of the session token, so only a page served to that session
can carry it (no storage needed). Before sign-in (asking for a new link, or a link's
button), it is an HMAC of a random cookie instead (signed double submit).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

# Link requests are counted over this window (per address, and per client).
LINK_REQUEST_WINDOW = timedelta(hours=1)
# What expired is kept this much longer: replicas' clocks differ a little, and one a
# little behind must still find a link spent.
PURGE_MARGIN = timedelta(hours=1)


@dataclass(frozen=True)
class PortalSession:
    """A debtor signed in to the portal: whose statement, and the cookie's token."""

    tenant: str
    customer_ref: str
    token: str

    @property
    def csrf(self) -> str:
        return csrf_token(self.token)


def csrf_token(session_token: str) -> str:
    return hmac.new(session_token.encode(), b"portal-csrf", hashlib.sha256).hexdigest()


def csrf_ok(portal_session: PortalSession, submitted: str | None) -> bool:
    return bool(submitted) and hmac.compare_digest(portal_session.csrf, submitted or "")


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


def revoked(since: datetime, revoked_before: datetime | None) -> bool:
    """A link issued, or a session opened, at ``since`` no longer works."""
    return revoked_before is not None and since <= revoked_before


def link_issue_time(now: datetime, revoked_before: datetime | None) -> datetime:
    """Links carry whole seconds: one issued in the second of a revocation must outlive it."""
    if revoked_before is None or now >= revoked_before + timedelta(seconds=1):
        return now
    return revoked_before + timedelta(seconds=1)
