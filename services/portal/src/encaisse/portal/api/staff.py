"""The staff API: issue a customer's link, revoke links, set the tenant's promise limit."""

from __future__ import annotations

from datetime import datetime, timedelta

from fastapi import APIRouter
from pydantic import BaseModel, Field

from encaisse.kit.auth import Admin, Collector
from encaisse.portal.api.deps import Now, Settings, Uow
from encaisse.portal.usecases import access, actions

router = APIRouter(prefix="/staff", tags=["staff"])


class LinkRequest(BaseModel):
    customer_ref: str = Field(min_length=1, max_length=100)
    ttl_days: int | None = Field(default=None, ge=1, le=365)


class Link(BaseModel):
    url: str
    expires_at: datetime


class Revoked(BaseModel):
    customer_ref: str
    revoked_before: datetime


class TenantSettings(BaseModel):
    promise_max_days: int = Field(ge=1, le=365)


@router.post("/links", response_model=Link, summary="a signed link for one customer")
async def issue_link(
    body: LinkRequest, staff: Collector, uow: Uow, settings: Settings, now: Now
) -> Link:
    ttl = timedelta(days=body.ttl_days) if body.ttl_days else settings.link_ttl
    url, expires_at = await access.issue_link(
        uow.session, settings, staff.tenant, body.customer_ref, ttl, now
    )
    return Link(url=url, expires_at=expires_at)


@router.post(
    "/customers/{customer_ref}/revoke",
    response_model=Revoked,
    summary="every link issued and session opened so far stops working",
)
async def revoke_links(customer_ref: str, staff: Collector, uow: Uow, now: Now) -> Revoked:
    await access.revoke(uow.session, staff.tenant, customer_ref, now)
    return Revoked(customer_ref=customer_ref, revoked_before=now)


@router.put("/settings", response_model=TenantSettings, summary="the tenant's portal rules")
async def put_settings(body: TenantSettings, staff: Admin, uow: Uow) -> TenantSettings:
    await actions.set_promise_limit(uow.session, staff.tenant, body.promise_max_days)
    return body
