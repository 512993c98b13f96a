"""Annotated dependencies of the portal's routes."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Cookie, Depends, FastAPI, Form, Request
from sqlalchemy.ext.asyncio import AsyncSession

from encaisse.kit.runtime import RuntimeDep
from encaisse.portal import queries
from encaisse.portal.access import COOKIE, DebtorSession, csrf_ok, find_session
from encaisse.portal.payments import PaymentProvider
from encaisse.portal.settings import PortalSettings


class NotSignedIn(Exception):
    """No valid session: the page says so and offers a new link (status 401)."""


class BadCsrf(Exception):
    """A form without the session's CSRF token (status 403)."""


def app_now(app: FastAPI) -> datetime:
    """The portal's time: the app's clock where one is set (tests fix it), or the real one."""
    clock: Callable[[], datetime] = getattr(app.state, "clock", None) or (lambda: datetime.now(UTC))
    return clock()


def _now(request: Request) -> datetime:
    return app_now(request.app)


def _settings(request: Request) -> PortalSettings:
    return request.app.state.settings


def _provider(request: Request) -> PaymentProvider:
    return request.app.state.payment_provider


async def _db(runtime: RuntimeDep) -> AsyncIterator[AsyncSession]:
    async with runtime.sessions() as session:
        yield session


Now = Annotated[datetime, Depends(_now)]
Settings = Annotated[PortalSettings, Depends(_settings)]
Provider = Annotated[PaymentProvider, Depends(_provider)]
Db = Annotated[AsyncSession, Depends(_db)]


@dataclass(frozen=True)
class Debtor:
    """The signed-in customer, and the language their pages are in."""

    session: DebtorSession
    customer: queries.Customer

    @property
    def lang(self) -> str:
        return self.customer.language


async def _debtor(
    db: Db, now: Now, token: Annotated[str | None, Cookie(alias=COOKIE)] = None
) -> Debtor:
    if not token:
        raise NotSignedIn()
    session = await find_session(db, token, now)
    if session is None:
        raise NotSignedIn()
    return Debtor(session, await queries.customer(db, session))


async def _checked(
    debtor: Annotated[Debtor, Depends(_debtor)], csrf: Annotated[str | None, Form()] = None
) -> Debtor:
    if not csrf_ok(debtor.session, csrf):
        raise BadCsrf()
    return debtor


SignedIn = Annotated[Debtor, Depends(_debtor)]
SignedInForm = Annotated[Debtor, Depends(_checked)]
"""A signed-in debtor posting a form that carries the session's CSRF token."""
