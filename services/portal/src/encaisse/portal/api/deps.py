"""Annotated dependencies of the portal's routes: all from the runtime (its settings, clock,
parts and units of work), bound once at start."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, cast

from fastapi import Cookie, Depends, Form

from encaisse.kit.deps import Uow
from encaisse.kit.runtime import RuntimeDep
from encaisse.portal.domain.access import PortalSession, csrf_ok
from encaisse.portal.domain.statement import StatementCustomer
from encaisse.portal.payments import PaymentProvider
from encaisse.portal.settings import PortalSettings
from encaisse.portal.usecases.access import find_session
from encaisse.portal.usecases.statement import customer

COOKIE = "encaisse_portal"
FORM_COOKIE = "encaisse_form"  # the link request form's (/access/request)
LINK_FORM_COOKIE = "encaisse_link_form"  # a link page's, whose button opens the session


class NotSignedIn(Exception):
    """No valid session: the page says so and offers a new link (status 401)."""


class BadCsrf(Exception):
    """A form without the session's CSRF token (status 403)."""


def _settings(runtime: RuntimeDep) -> PortalSettings:
    return cast(PortalSettings, runtime.settings)


def _now(runtime: RuntimeDep) -> datetime:
    """The portal's time, once per request: its runtime's clock (tests set it)."""
    return runtime.clock.now()


def _provider(runtime: RuntimeDep) -> PaymentProvider:
    provider: PaymentProvider = runtime.parts.payment_provider
    return provider


Now = Annotated[datetime, Depends(_now)]
Settings = Annotated[PortalSettings, Depends(_settings)]
Provider = Annotated[PaymentProvider, Depends(_provider)]


@dataclass(frozen=True)
class SignedInDebtor:
    """The debtor signed in to this request's session, and the customer whose pages they
    read, in its language."""

    portal_session: PortalSession
    customer: StatementCustomer

    @property
    def lang(self) -> str:
        return self.customer.language


async def _debtor(
    uow: Uow, now: Now, token: Annotated[str | None, Cookie(alias=COOKIE)] = None
) -> SignedInDebtor:
    if not token:
        raise NotSignedIn()
    portal_session = await find_session(uow.session, token, now)
    if portal_session is None:
        raise NotSignedIn()
    return SignedInDebtor(portal_session, await customer(uow.session, portal_session))


async def _checked(
    debtor: Annotated[SignedInDebtor, Depends(_debtor)],
    csrf: Annotated[str | None, Form()] = None,
) -> SignedInDebtor:
    if not csrf_ok(debtor.portal_session, csrf):
        raise BadCsrf()
    return debtor


SignedIn = Annotated[SignedInDebtor, Depends(_debtor)]
SignedInForm = Annotated[SignedInDebtor, Depends(_checked)]
"""A signed-in debtor posting a form that carries the session's CSRF token."""
