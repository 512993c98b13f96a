"""Staff authentication: bearer tokens, each with a role and a tenant.

Tokens are configured by environment in development (``ENCAISSE_STAFF_TOKENS``)
and kept in memory only as SHA-256 digests. Roles are ordered: an admin may do
what a collector may, and a collector what a viewer may.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer


class Role(StrEnum):
    VIEWER = "viewer"
    COLLECTOR = "collector"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return [Role.VIEWER, Role.COLLECTOR, Role.ADMIN].index(self)


@dataclass(frozen=True)
class Staff:
    """Who calls: name, role and the one tenant they act for."""

    name: str
    role: Role
    tenant: str


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class TokenDirectory:
    def __init__(self, tokens: Mapping[str, Any]) -> None:
        self._by_digest: dict[str, Staff] = {}
        for token, cfg in tokens.items():
            self._by_digest[token_digest(token)] = Staff(cfg.name, Role(cfg.role), cfg.tenant)

    def authenticate(self, token: str) -> Staff | None:
        digest = token_digest(token)
        for known, staff in self._by_digest.items():
            if hmac.compare_digest(known, digest):
                return staff
        return None


_bearer = HTTPBearer(auto_error=False, description="staff bearer token")


def current_staff(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Staff:
    if credentials is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "a bearer token is required",
            headers={"WWW-Authenticate": "Bearer"},
        )
    directory: TokenDirectory = request.app.state.tokens
    staff = directory.authenticate(credentials.credentials)
    if staff is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "unknown bearer token",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return staff


def require(role: Role) -> Callable[[Staff], Staff]:
    """A dependency that lets through ``role`` and any role above it."""

    def check(staff: Annotated[Staff, Depends(current_staff)]) -> Staff:
        if staff.role.rank < role.rank:
            raise HTTPException(status.HTTP_403_FORBIDDEN, f"this needs the {role} role")
        return staff

    return check


Viewer = Annotated[Staff, Depends(require(Role.VIEWER))]
Collector = Annotated[Staff, Depends(require(Role.COLLECTOR))]
Admin = Annotated[Staff, Depends(require(Role.ADMIN))]
