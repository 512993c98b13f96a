"""The postal provider's webhook: a hint that a sending changed; its status is then read back.

The body is not trusted for anything but the sending id: what is recorded comes
from the provider's API, so a forged call can at most cause one extra read.
"""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from encaisse.letters.api.deps import Parts

router = APIRouter(prefix="/v1/postal", tags=["postal provider"])


class SendingChanged(BaseModel):
    sending_id: str = Field(min_length=1, max_length=100)


@router.post("/webhook", status_code=202, summary="a sending changed at the provider")
async def webhook(body: SendingChanged, parts: Parts) -> dict[str, bool]:
    return {"known": await parts.tracker.track_sending(body.sending_id)}
