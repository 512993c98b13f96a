"""``POST /v1/webhooks/{provider}``: delivery reports from providers, signature checked.

The provider signs the raw body with HMAC-SHA256 and the secret we share
(``ENCAISSE_WEBHOOK_SECRETS``), sent as ``X-Encaisse-Signature: sha256=<hex>``.
Body: one report or a list, each naming the message by our ``message_id``, the
email's ``header_message_id`` or the provider's ``provider_ref``, with a
``status`` (delivered, bounced, rejected, failed) and an optional ``reason``.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Annotated, Literal

from fastapi import APIRouter, Header, HTTPException, Request, status
from pydantic import BaseModel, TypeAdapter, ValidationError

from encaisse.contracts.notifier import FailureReason
from encaisse.kit.failures import DomainError
from encaisse.notifier import repository as repo
from encaisse.notifier.api.deps import RuntimeDep, SettingsDep
from encaisse.notifier.db import outbox

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"])


class ProviderReport(BaseModel):
    message_id: str | None = None
    header_message_id: str | None = None
    provider_ref: str | None = None
    status: Literal["delivered", "bounced", "rejected", "failed"]
    reason: FailureReason | None = None
    detail: str = ""


_REPORTS = TypeAdapter(ProviderReport | list[ProviderReport])


def signature_ok(secret: str, body: bytes, header: str | None) -> bool:
    """The header is ``sha256=<hex>`` of the HMAC of the raw body; compared in constant time
    (as bytes: a header with other characters is simply wrong, not an error)."""
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return header is not None and hmac.compare_digest(expected.encode(), header.strip().encode())


@router.post("/{provider}", summary="a provider's delivery reports (HMAC-signed body)")
async def provider_webhook(
    provider: str,
    request: Request,
    runtime: RuntimeDep,
    settings: SettingsDep,
    signature: Annotated[str | None, Header(alias="X-Encaisse-Signature")] = None,
) -> dict[str, int]:
    secret = settings.webhook_secrets.get(provider)
    if secret is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"unknown provider {provider!r}")
    body = await request.body()
    if not signature_ok(secret, body, signature):
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "bad or missing X-Encaisse-Signature")
    try:
        parsed = _REPORTS.validate_json(body)
    except ValidationError as exc:
        raise DomainError((), exc.errors()[0]["msg"]) from exc
    reports = parsed if isinstance(parsed, list) else [parsed]
    applied = unknown = 0
    async with runtime.engine.begin() as conn:
        for report in reports:
            row = await repo.find_by_reference(
                conn,
                message_id=report.message_id,
                header_message_id=report.header_message_id,
                provider_ref=report.provider_ref,
            )
            if row is None:
                unknown += 1
            elif await apply_report(conn, row.id, report):
                applied += 1
    return {"applied": applied, "unknown": unknown}


async def apply_report(conn, message_id: str, report: ProviderReport) -> bool:
    """One event per real change; a report repeated, or stale, changes nothing."""
    if report.status == "delivered":
        return await repo.mark_delivered(conn, message_id, outbox=outbox)
    if report.status == "bounced":
        reason = (
            FailureReason.INVALID_ADDRESS
            if report.reason == FailureReason.INVALID_ADDRESS
            else FailureReason.BOUNCED
        )
    else:
        reason = report.reason or FailureReason.REJECTED
    return await repo.mark_failed(
        conn,
        message_id,
        reason,
        report.detail or report.status,
        outbox=outbox,
        statuses=("sending", "sent", "delivered"),
    )
