"""The sandbox's HTTP app (see the package docstring)."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import io
import itertools
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

import httpx
from fastapi import Depends, FastAPI, Header, HTTPException, Request, Response
from pydantic import BaseModel, Field
from pypdf import PdfReader

from encaisse.letters.sandbox.proofs import proof_pdf


class Fate(StrEnum):
    """What becomes of a sandbox sending, chosen by a test (``POST /_sandbox/fates``)."""

    ACCEPTED = "accepted"  # accepted, never posted
    POSTED = "posted"  # posted; nothing more is known (a simple letter always stops here)
    DELIVERED = "delivered"  # acknowledgement of receipt signed
    RETURNED = "returned"  # n'habite pas à l'adresse indiquée
    REFUSED = "refused"
    NOT_COLLECTED = "not_collected"  # pli avisé et non réclamé
    FAILED = "failed"  # the provider could not print or post it


RETURNS = {
    Fate.RETURNED: ("address_unknown", "n'habite pas à l'adresse indiquée"),
    Fate.REFUSED: ("refused", "refusé par le destinataire"),
    Fate.NOT_COLLECTED: ("not_collected", "pli avisé et non réclamé"),
}
PRICES = {"simple": Decimal("1.29"), "registered_ar": Decimal("7.56")}
PER_EXTRA_PAGE = Decimal("0.15")


@dataclass
class Sending:
    id: str
    idempotency_key: str
    service: str
    reference: str
    webhook_url: str | None
    document: bytes | None = None
    pages: int = 0
    recipient: list[str] = field(default_factory=list)
    country: str = "FR"
    submitted_at: datetime | None = None
    fate: Fate = Fate.DELIVERED
    tracking_number: str = ""
    notified: int = 0
    reads: int = 0  # GETs of its status, for tests of how often a client polls

    @property
    def cost(self) -> Decimal:
        return PRICES[self.service] + PER_EXTRA_PAGE * max(0, self.pages - 1)


@dataclass
class Sandbox:
    step: timedelta
    api_key: str
    sendings: dict[str, Sending] = field(default_factory=dict)
    by_key: dict[str, str] = field(default_factory=dict)
    rules: list[tuple[str, Fate]] = field(default_factory=list)
    counter: itertools.count = field(default_factory=lambda: itertools.count(1))

    def fate_for(self, recipient: list[str]) -> Fate:
        name = recipient[0] if recipient else ""
        for word, fate in reversed(self.rules):
            if word.lower() in name.lower():
                return fate
        return Fate.DELIVERED

    def events(self, s: Sending, now: datetime) -> list[dict[str, Any]]:
        if s.submitted_at is None:
            return []
        t0 = s.submitted_at
        plan: list[dict[str, Any]] = [{"type": "accepted", "at": t0}]
        if s.fate is Fate.FAILED:
            plan.append(
                {
                    "type": "failed",
                    "at": t0 + self.step,
                    "reason": "provider_error",
                    "detail": "impression impossible",
                }
            )
        elif s.fate is not Fate.ACCEPTED:
            plan.append(
                {
                    "type": "posted",
                    "at": t0 + self.step,
                    "proof": "deposit",
                    "tracking_number": s.tracking_number,
                    "cost": {"amount": str(s.cost), "currency": "EUR"},
                }
            )
            if s.service == "registered_ar" and s.fate is Fate.DELIVERED:
                plan.append({"type": "delivered", "at": t0 + 2 * self.step, "proof": "receipt"})
            elif s.service == "registered_ar" and s.fate in RETURNS:
                reason, detail = RETURNS[s.fate]
                plan.append(
                    {
                        "type": "returned",
                        "at": t0 + 2 * self.step,
                        "proof": "return",
                        "reason": reason,
                        "detail": detail,
                    }
                )
        return [{**e, "at": e["at"].isoformat()} for e in plan if e["at"] <= now]

    def view(self, s: Sending) -> dict[str, Any]:
        events = self.events(s, datetime.now(UTC))
        status = events[-1]["type"] if events else ("submitted" if s.submitted_at else "draft")
        return {
            "id": s.id,
            "idempotency_key": s.idempotency_key,
            "reference": s.reference,
            "service": s.service,
            "status": status,
            "pages": s.pages,
            "recipient": s.recipient,
            "events": events,
        }


class NewSending(BaseModel):
    service: str = Field(pattern="^(simple|registered_ar)$")
    reference: str = Field(max_length=200)
    webhook_url: str | None = None


class Recipient(BaseModel):
    address_lines: list[str] = Field(min_length=2, max_length=6)
    country: str = Field(pattern=r"^[A-Z]{2}$")


class Rule(BaseModel):
    when_recipient_contains: str = Field(min_length=1)
    fate: Fate


def _sandbox(request: Request) -> Sandbox:
    box: Sandbox = request.app.state.sandbox
    if request.headers.get("authorization") != f"Bearer {box.api_key}":
        raise HTTPException(401, "bad API key")
    return box


Box = Annotated[Sandbox, Depends(_sandbox)]


def _get(box: Sandbox, sending_id: str) -> Sending:
    if sending_id not in box.sendings:
        raise HTTPException(404, "no such sending")
    return box.sendings[sending_id]


def _draft(box: Sandbox, sending_id: str) -> Sending:
    s = _get(box, sending_id)
    if s.submitted_at is not None:
        raise HTTPException(409, "the sending is already submitted")
    return s


async def _notify(box: Sandbox) -> None:
    """Webhooks: tell each sending's webhook that it changed; the receiver reads the status."""
    async with httpx.AsyncClient(timeout=5) as http:
        while True:
            await asyncio.sleep(box.step.total_seconds() / 4)
            now = datetime.now(UTC)
            for s in list(box.sendings.values()):
                count = len(box.events(s, now))
                if s.webhook_url and count > s.notified:
                    with contextlib.suppress(httpx.HTTPError):
                        answer = await http.post(s.webhook_url, json={"sending_id": s.id})
                        answer.raise_for_status()
                        s.notified = count


def build_sandbox(*, step_seconds: float = 5.0, api_key: str = "sandbox-key") -> FastAPI:
    box = Sandbox(timedelta(seconds=step_seconds), api_key)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        task = asyncio.create_task(_notify(box))
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    app = FastAPI(title="Encaisse postal sandbox", lifespan=lifespan)
    app.state.sandbox = box

    @app.post("/v1/sendings", status_code=201)
    async def create(
        body: NewSending,
        box: Box,
        response: Response,
        idempotency_key: Annotated[str, Header(min_length=1)],
    ) -> dict[str, Any]:
        if idempotency_key in box.by_key:
            response.status_code = 200
            return box.view(box.sendings[box.by_key[idempotency_key]])
        number = next(box.counter)
        s = Sending(
            f"snd_{number:06d}",
            idempotency_key,
            body.service,
            body.reference,
            body.webhook_url,
            tracking_number=f"1A{number:011d}",
        )
        box.sendings[s.id], box.by_key[idempotency_key] = s, s.id
        return box.view(s)

    @app.put("/v1/sendings/{sending_id}/document", status_code=204)
    async def upload(sending_id: str, request: Request, box: Box) -> None:
        s = _draft(box, sending_id)
        data = await request.body()
        try:
            pages = len(PdfReader(io.BytesIO(data)).pages)
        except Exception as exc:
            raise HTTPException(422, f"the document is not a readable PDF: {exc}") from exc
        s.document, s.pages = data, pages

    @app.put("/v1/sendings/{sending_id}/recipient", status_code=204)
    async def recipient(sending_id: str, body: Recipient, box: Box) -> None:
        s = _draft(box, sending_id)
        if any(len(line) > 38 for line in body.address_lines):
            raise HTTPException(422, "an address line is longer than 38 characters")
        s.recipient, s.country = body.address_lines, body.country

    @app.post("/v1/sendings/{sending_id}/submit")
    async def submit(sending_id: str, box: Box) -> dict[str, Any]:
        s = _get(box, sending_id)
        if s.submitted_at is None:
            if s.document is None or not s.recipient:
                raise HTTPException(409, "a document and a recipient are needed first")
            s.submitted_at, s.fate = datetime.now(UTC), box.fate_for(s.recipient)
        return box.view(s)

    @app.get("/v1/sendings/{sending_id}")
    async def status(sending_id: str, box: Box) -> dict[str, Any]:
        s = _get(box, sending_id)
        s.reads += 1
        return box.view(s)

    @app.get("/v1/sendings/{sending_id}/proofs/{kind}")
    async def proof(sending_id: str, kind: str, box: Box) -> Response:
        s = _get(box, sending_id)
        event = next((e for e in box.events(s, datetime.now(UTC)) if e.get("proof") == kind), None)
        if event is None or s.document is None:
            raise HTTPException(404, f"no {kind} proof for this sending yet")
        pdf = proof_pdf(
            kind,
            tracking_number=s.tracking_number,
            at=datetime.fromisoformat(event["at"]),
            recipient=s.recipient,
            document_sha256=hashlib.sha256(s.document).hexdigest(),
            detail=event.get("detail", ""),
        )
        return Response(pdf, media_type="application/pdf")

    @app.post("/_sandbox/fates", status_code=204)
    async def choose(rule: Rule) -> None:
        box.rules.append((rule.when_recipient_contains, rule.fate))

    @app.get("/_sandbox/sendings")
    async def everything() -> list[dict[str, Any]]:
        return [{**box.view(s), "reads": s.reads} for s in box.sendings.values()]

    return app
