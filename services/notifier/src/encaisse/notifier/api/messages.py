"""``/v1/messages``: everything sent, with its rendered content, kept as evidence."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel

from encaisse.notifier.api.deps import Uow, Viewer
from encaisse.notifier.usecases import evidence

router = APIRouter(prefix="/v1/messages", tags=["messages"])


class MessageOut(BaseModel):
    id: str
    command_key: str
    channel: str
    customer_ref: str
    case_id: str | None
    step: str | None
    template: str
    language: str
    sender: str
    recipient: str
    to_addresses: list[str]
    cc_addresses: list[str]
    subject: str
    body_text: str
    body_html: str | None
    attachments: list[dict[str, Any]]
    header_message_id: str
    provider_ref: str | None
    status: str
    uncertain: bool
    attempts: int
    failure_reason: str | None
    failure_detail: str | None
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None
    updated_at: datetime


@router.get("", summary="messages of one customer, newest first")
async def list_messages(
    staff: Viewer,
    uow: Uow,
    customer: Annotated[str, Query(min_length=1, description="the customer's reference")],
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[MessageOut]:
    rows = await evidence.messages_of_customer(uow.session, staff.tenant, customer, limit)
    return [MessageOut.model_validate(r, from_attributes=True) for r in rows]


@router.get("/{message_id}", summary="one message")
async def get_message(message_id: str, staff: Viewer, uow: Uow) -> MessageOut:
    row = await evidence.message(uow.session, staff.tenant, message_id)
    return MessageOut.model_validate(row, from_attributes=True)
