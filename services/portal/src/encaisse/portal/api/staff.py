"""The staff API: issue a customer's link, revoke links, set the tenant's promise limit."""

from __future__ import annotations

from datetime import datetime, timedelta

from fastapi import APIRouter
from pydantic import BaseModel, Field

from encaisse.kit.auth import Admin, Collector
from encaisse.kit.links import sign_link
from encaisse.kit.runtime import RuntimeDep
from encaisse.portal import access, repository
from encaisse.portal.api.deps import Now, Settings

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
    body: LinkRequest, staff: Collector, runtime: RuntimeDep, settings: Settings, now: Now
) -> Link:
    ttl = timedelta(days=body.ttl_days) if body.ttl_days else settings.link_ttl
    async with runtime.sessions() as s:
        revoked = await access.revoked_before(s, staff.tenant, body.customer_ref)
    # links carry whole seconds: one issued in the second of a revocation must outlive it
    issued = (
        now
        if revoked is None or now >= revoked + timedelta(seconds=1)
        else (revoked + timedelta(seconds=1))
    )
    token = sign_link(
        settings.portal_link_keys,
        settings.portal_link_key_id,
        staff.tenant,
        body.customer_ref,
        now=issued,
        ttl=ttl,
    )
    base = settings.portal_base_url.rstrip("/")
    return Link(url=f"{base}/access/{token}", expires_at=issued + ttl)


@router.post(
    "/customers/{customer_ref}/revoke",
    response_model=Revoked,
    summary="every link issued and session opened so far stops working",
)
async def revoke_links(
    customer_ref: str, staff: Collector, runtime: RuntimeDep, now: Now
) -> Revoked:
    async with runtime.sessions() as s, s.begin():
        await access.revoke(s, staff.tenant, customer_ref, now)
    return Revoked(customer_ref=customer_ref, revoked_before=now)


@router.put("/settings", response_model=TenantSettings, summary="the tenant's portal rules")
async def put_settings(body: TenantSettings, staff: Admin, runtime: RuntimeDep) -> TenantSettings:
    async with runtime.sessions() as s, s.begin():
        await repository.save_promise_limit(s, staff.tenant, body.promise_max_days)
    return body
