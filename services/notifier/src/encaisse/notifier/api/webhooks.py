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
from typing import Annotated

from fastapi import APIRouter, Header, HTTPException, Request, status
from pydantic import TypeAdapter, ValidationError

from encaisse.kit.failures import DomainError
from encaisse.notifier.api.deps import SettingsDep, Uow
from encaisse.notifier.domain.reports import ProviderReport
from encaisse.notifier.usecases.reports import record_reports

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"])

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
    uow: Uow,
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
    return await record_reports(uow.session, parsed if isinstance(parsed, list) else [parsed])
