"""A letter's postal proofs: deposit, signed receipt, return."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Response
from pydantic import BaseModel

from encaisse.kit.failures import NotFound
from encaisse.letters import repository
from encaisse.letters.api.deps import LetterRow, Parts, Session

router = APIRouter(prefix="/v1/letters", tags=["letters"])


class ProofView(BaseModel):
    kind: str
    sha256: str
    size: int
    content_type: str
    received_at: datetime
    url: str


@router.get("/{letter_id}/proofs", summary="proofs of deposit, receipt or return")
async def list_proofs(letter: LetterRow, session: Session) -> list[ProofView]:
    return [
        ProofView(
            kind=r.kind,
            sha256=r.sha256,
            size=r.size,
            content_type=r.content_type,
            received_at=r.received_at,
            url=f"/v1/letters/{letter.id}/proofs/{r.kind}",
        )
        for r in await repository.proofs_of(session, letter.id)
    ]


@router.get(
    "/{letter_id}/proofs/{kind}",
    summary="one proof document",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
async def proof_document(letter: LetterRow, kind: str, session: Session, parts: Parts) -> Response:
    proof = await repository.proof(session, letter.id, kind)
    if proof is None:
        raise NotFound("kind", f"no {kind} proof for this letter")
    data = await parts.storage.get(proof.storage_key, proof.sha256)
    return Response(data, media_type=proof.content_type, headers={"X-Content-SHA256": proof.sha256})
