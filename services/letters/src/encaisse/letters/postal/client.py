"""An HTTP adapter (httpx) for a postal provider.

The shape: create a sending (with an idempotency key), upload the document, add
the recipient, submit; then read its status (polling, or when a webhook says it
changed) and download its proofs (deposit, acknowledgement of receipt, return).

Never twice: the letter's id is the idempotency key. Creating a sending with a
key the provider already knows answers the same sending, so a retry after a
crash resumes it, and one already submitted is simply reported back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import httpx


class ProviderUnavailable(RuntimeError):
    """Network trouble or a 5xx: try again later."""


class ProviderRejected(RuntimeError):
    """A 4xx: the provider will never take this sending as it is."""


@dataclass(frozen=True)
class PostalEvent:
    """One step of a sending's life, as the provider reports it, oldest first."""

    type: str  # accepted, posted, delivered, returned, failed
    at: datetime
    tracking_number: str | None = None
    cost: Decimal | None = None
    currency: str | None = None
    reason: str | None = None  # for returned / failed: address_unknown, refused, not_collected
    detail: str = ""
    proof: str | None = None  # the proof kind to download: deposit, receipt, return


@dataclass(frozen=True)
class Sending:
    id: str
    status: str  # draft, submitted, then the last event's type
    events: tuple[PostalEvent, ...] = ()


def _sending(data: dict[str, Any]) -> Sending:
    events = tuple(
        PostalEvent(
            type=e["type"],
            at=datetime.fromisoformat(e["at"]),
            tracking_number=e.get("tracking_number"),
            cost=Decimal(e["cost"]["amount"]) if e.get("cost") else None,
            currency=e["cost"]["currency"] if e.get("cost") else None,
            reason=e.get("reason"),
            detail=e.get("detail", ""),
            proof=e.get("proof"),
        )
        for e in data.get("events", ())
    )
    return Sending(data["id"], data["status"], events)


class HttpPostalProvider:
    def __init__(
        self, base_url: str, api_key: str, *, timeout: float = 30.0, webhook_url: str | None = None
    ) -> None:
        self._http = httpx.AsyncClient(
            base_url=base_url, timeout=timeout, headers={"Authorization": f"Bearer {api_key}"}
        )
        self._webhook_url = webhook_url

    async def close(self) -> None:
        await self._http.aclose()

    async def _call(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        try:
            response = await self._http.request(method, url, **kwargs)
        except httpx.TransportError as exc:
            raise ProviderUnavailable(f"{method} {url}: {exc!r}") from exc
        if response.status_code >= 500:
            raise ProviderUnavailable(f"{method} {url}: {response.status_code} {response.text}")
        if response.status_code >= 400:
            raise ProviderRejected(f"{method} {url}: {response.status_code} {response.text}")
        return response

    async def create_sending(
        self, idempotency_key: str, *, registered: bool, reference: str
    ) -> Sending:
        body = {
            "service": "registered_ar" if registered else "simple",
            "reference": reference,
            "webhook_url": self._webhook_url,
        }
        response = await self._call(
            "POST", "/v1/sendings", json=body, headers={"Idempotency-Key": idempotency_key}
        )
        return _sending(response.json())

    async def upload_document(self, sending_id: str, pdf: bytes) -> None:
        await self._call(
            "PUT",
            f"/v1/sendings/{sending_id}/document",
            content=pdf,
            headers={"Content-Type": "application/pdf"},
        )

    async def add_recipient(self, sending_id: str, lines: tuple[str, ...], country: str) -> None:
        await self._call(
            "PUT",
            f"/v1/sendings/{sending_id}/recipient",
            json={"address_lines": list(lines), "country": country},
        )

    async def submit(self, sending_id: str) -> Sending:
        return _sending((await self._call("POST", f"/v1/sendings/{sending_id}/submit")).json())

    async def sending(self, sending_id: str) -> Sending:
        return _sending((await self._call("GET", f"/v1/sendings/{sending_id}")).json())

    async def proof(self, sending_id: str, kind: str) -> tuple[bytes, str]:
        response = await self._call("GET", f"/v1/sendings/{sending_id}/proofs/{kind}")
        return response.content, response.headers.get("content-type", "application/pdf")

    async def send(
        self,
        idempotency_key: str,
        *,
        registered: bool,
        reference: str,
        pdf: bytes,
        recipient: tuple[str, ...],
        country: str,
    ) -> Sending:
        """Create, upload, address and submit; a sending already submitted is returned as is."""
        sending = await self.create_sending(
            idempotency_key, registered=registered, reference=reference
        )
        if sending.status != "draft":
            return sending
        await self.upload_document(sending.id, pdf)
        await self.add_recipient(sending.id, recipient, country)
        return await self.submit(sending.id)
