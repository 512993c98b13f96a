"""Letters: list by customer, one letter, and the PDF as sent."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel

from encaisse.kit.failures import NotFound
from encaisse.letters import repository
from encaisse.letters.api.deps import LetterRow, Parts, Session, Viewer

router = APIRouter(prefix="/v1/letters", tags=["letters"])


class LetterView(BaseModel):
    id: str
    customer_ref: str
    case_id: str | None
    step: str | None
    kind: str
    template: str
    status: str
    recipient: list[str]
    summary: dict[str, Any]
    pdf_sha256: str | None
    pages: int | None
    tracking_number: str | None
    cost_amount: Decimal | None
    cost_currency: str | None
    reason: str | None
    detail: str | None
    created_at: datetime
    updated_at: datetime


def _view(row: Any) -> LetterView:
    return LetterView(
        id=row.id,
        customer_ref=row.customer_ref,
        case_id=row.case_id,
        step=row.step,
        kind=row.kind,
        template=row.template,
        status=row.status,
        recipient=row.recipient.get("lines", []),
        summary=row.summary,
        pdf_sha256=row.pdf_sha256,
        pages=row.pdf_pages,
        tracking_number=row.tracking_number,
        cost_amount=row.cost_amount,
        cost_currency=row.cost_currency,
        reason=row.reason,
        detail=row.detail,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


@router.get("", summary="letters of a customer, newest first")
async def list_letters(
    staff: Viewer,
    session: Session,
    customer: Annotated[str, Query(min_length=1, max_length=200)],
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[LetterView]:
    rows = await repository.letters_of_customer(session, staff.tenant, customer, limit)
    return [_view(r) for r in rows]


@router.get("/{letter_id}", summary="one letter")
async def get_letter(letter: LetterRow) -> LetterView:
    return _view(letter)


@router.get(
    "/{letter_id}/pdf",
    summary="the PDF as sent",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
async def letter_pdf(letter: LetterRow, parts: Parts) -> Response:
    if letter.pdf_key is None:
        raise NotFound("letter_id", "this letter has no PDF: it was refused before rendering")
    data = await parts.storage.get(letter.pdf_key, letter.pdf_sha256)
    return Response(
        data,
        media_type="application/pdf",
        headers={
            "X-Content-SHA256": letter.pdf_sha256,
            "Content-Disposition": f'inline; filename="{letter.id}.pdf"',
        },
    )
