"""SMS providers behind one small adapter: an HTTP JSON API, and a sandbox that behaves like one.

Both take our idempotency key and give back the provider's reference; sending
the same key twice returns the first reference and sends nothing more (real
gateways offer this as a client reference or an ``Idempotency-Key`` header).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Protocol

import httpx

from encaisse.contracts.notifier import FailureReason
from encaisse.notifier.domain.outcomes import Failure


class SmsFailure(Exception):
    def __init__(self, failure: Failure) -> None:
        super().__init__(failure.detail)
        self.failure = failure


class SmsProvider(Protocol):
    name: str

    async def send(self, *, to: str, text: str, sender: str, key: str) -> str: ...


@dataclass
class SandboxSms:
    """Keeps what it is sent. Numbers under +999 do not exist (400); under +998 the
    gateway is down (503, transient); everything else is accepted."""

    name: str = "sandbox"
    sent: dict[str, dict[str, str]] = field(default_factory=dict)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))

    async def send(self, *, to: str, text: str, sender: str, key: str) -> str:
        if key in self.sent:
            return self.sent[key]["id"]
        if to.startswith("+999"):
            raise SmsFailure(Failure(FailureReason.INVALID_ADDRESS, f"400 unknown number {to}"))
        if to.startswith("+998"):
            raise SmsFailure(Failure(None, "503 gateway unavailable"))
        ref = f"sandbox-{next(self._ids)}"
        self.sent[key] = {"id": ref, "to": to, "text": text, "sender": sender}
        return ref


class HttpSms:
    """``POST {url}/messages`` with ``{"to", "from", "text"}``, a bearer key and an
    ``Idempotency-Key``; the answer's ``id`` is the provider's reference."""

    name = "http"

    def __init__(self, url: str, api_key: str | None, client: httpx.AsyncClient) -> None:
        self._url = url.rstrip("/")
        self._key = api_key
        self._client = client

    async def send(self, *, to: str, text: str, sender: str, key: str) -> str:
        headers = {"Idempotency-Key": key}
        if self._key:
            headers["Authorization"] = f"Bearer {self._key}"
        try:
            response = await self._client.post(
                f"{self._url}/messages",
                headers=headers,
                json={"to": to, "from": sender, "text": text},
            )
        except httpx.HTTPError as exc:
            raise SmsFailure(Failure(None, f"connection: {exc!r}")) from exc
        detail = f"{response.status_code} {response.text[:500]}"
        if response.status_code in (400, 404, 422):
            raise SmsFailure(Failure(FailureReason.INVALID_ADDRESS, detail))
        if response.status_code == 429 or response.status_code >= 500:
            raise SmsFailure(Failure(None, detail))
        if response.status_code >= 300:
            raise SmsFailure(Failure(FailureReason.REJECTED, detail))
        return str(response.json()["id"])
