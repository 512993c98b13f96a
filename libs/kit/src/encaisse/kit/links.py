"""Signed, expiring portal links for one customer of one tenant.

The notifier and letters put a link in every message without calling the
portal: they share the signing keys (``ENCAISSE_PORTAL_LINK_KEYS``, a JSON map
of key id to secret) and sign with the current one
(``ENCAISSE_PORTAL_LINK_KEY_ID``). The portal checks the signature with the key
the link names, the expiry, and its own per-customer "revoked before" time.

Token: ``base64url(json claims) "." base64url(HMAC-SHA256(claims))``; the claims
are ``kid``, ``t`` (tenant), ``c`` (customer ref), ``iat`` and ``exp`` (Unix
seconds) and ``n`` (a nonce, so two links issued the same second differ).
Only a token's SHA-256 is ever stored; tokens are never logged.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta


class InvalidLink(ValueError):
    """Tampered, unknown key, malformed or expired: the portal says no without saying why."""


@dataclass(frozen=True)
class LinkClaims:
    tenant: str
    customer_ref: str
    issued_at: datetime
    expires_at: datetime
    key_id: str


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign_link(
    keys: Mapping[str, str],
    key_id: str,
    tenant: str,
    customer_ref: str,
    *,
    now: datetime,
    ttl: timedelta = timedelta(days=30),
) -> str:
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    claims = {
        "kid": key_id,
        "t": tenant,
        "c": customer_ref,
        "iat": int(now.timestamp()),
        "exp": int((now + ttl).timestamp()),
        "n": secrets.token_urlsafe(6),
    }
    body = _b64(json.dumps(claims, separators=(",", ":"), sort_keys=True).encode())
    mac = hmac.new(keys[key_id].encode(), body.encode(), hashlib.sha256).digest()
    return f"{body}.{_b64(mac)}"


def verify_link(keys: Mapping[str, str], token: str, *, now: datetime) -> LinkClaims:
    try:
        body, mac = token.split(".")
        claims = json.loads(_unb64(body))
        key = keys[claims["kid"]]
        expected = hmac.new(key.encode(), body.encode(), hashlib.sha256).digest()
        if not hmac.compare_digest(expected, _unb64(mac)):
            raise InvalidLink("bad signature")
        result = LinkClaims(
            tenant=claims["t"],
            customer_ref=claims["c"],
            issued_at=datetime.fromtimestamp(claims["iat"], UTC),
            expires_at=datetime.fromtimestamp(claims["exp"], UTC),
            key_id=claims["kid"],
        )
    except InvalidLink:
        raise
    except (ValueError, KeyError, TypeError) as exc:
        raise InvalidLink("malformed link") from exc
    if now >= result.expires_at:
        raise InvalidLink("expired")
    return result


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
