"""Compose and queue a letter: from a ``SendLetter`` command to a stored PDF and a ``ready`` row.

All in the caller's transaction (the consumer's): checks the address, computes and renders
the letter, stores the PDF and records the letter as ``ready``. It does not talk to the
postal provider: the dispatcher does, from the ``ready`` rows, so that a redelivered
command finds its letter and never makes a second one.
"""

from __future__ import annotations

import asyncio
import io
import uuid
from typing import TYPE_CHECKING, Any

from pypdf import PdfReader

from encaisse.bus.uow import UnitOfWork
from encaisse.contracts.letters import LetterFailed, ReturnReason, SendLetter
from encaisse.letters import repository
from encaisse.letters.domain.address import AddressInvalid, address_block
from encaisse.letters.domain.compose import compose
from encaisse.letters.domain.lifecycle import FAILED, READY
from encaisse.letters.pdf import render_pdf
from encaisse.letters.storage import sha256
from encaisse.letters.usecases.mailroom import report

if TYPE_CHECKING:
    from encaisse.letters.app import LettersParts

_NAMESPACE = uuid.UUID("6c1f3c1e-2d6b-4c1e-9d7a-6c6574746572")


def letter_id_for(tenant: str, command_key: str) -> str:
    """The same command always names the same letter."""
    return str(uuid.uuid5(_NAMESPACE, f"{tenant}\x00{command_key}"))


def _row(command: SendLetter, letter_id: str) -> dict[str, Any]:
    return {
        "id": letter_id,
        "tenant": command.tenant,
        "command_key": command.idempotency_key,
        "customer_ref": command.debtor.customer_ref,
        "case_id": command.case_id,
        "step": command.step,
        "kind": command.kind.value,
        "template": command.template,
        "language": command.debtor.language,
    }


async def _refuse_address(
    uow: UnitOfWork, command: SendLetter, letter_id: str, exc: AddressInvalid
) -> None:
    values = {
        **_row(command, letter_id),
        "status": FAILED,
        "recipient": {"lines": [], "refused": exc.reasons},
        "summary": {},
        "reason": ReturnReason.ADDRESS_INVALID.value,
        "detail": str(exc),
    }
    if await repository.add_letter(uow.session, values):
        row = await repository.letter(uow.session, letter_id)
        assert row is not None  # just added, in this transaction
        await uow.publish(
            report(LetterFailed, row, 1, reason=ReturnReason.ADDRESS_INVALID, detail=str(exc)),
            subject=letter_id,
        )


async def queue_letter(uow: UnitOfWork, command: SendLetter, parts: LettersParts) -> None:
    """The letter of ``command``, rendered and ``ready`` for the dispatcher, once per
    idempotency key. Raises ``UnknownTemplate`` or ``MissingRate`` when it cannot be written."""
    session, room = uow.session, parts.mailroom
    await repository.lock_command(session, command.tenant, command.idempotency_key)
    known = await repository.letter_of_command(session, command.tenant, command.idempotency_key)
    if known is not None:
        return
    letter_id = letter_id_for(command.tenant, command.idempotency_key)
    address = command.address
    try:
        block = address_block(
            command.debtor.name,
            address.lines,
            address.postal_code,
            address.city,
            address.country,
            sender_country=room.settings.sender_country,
        )
    except AddressInvalid as exc:
        await _refuse_address(uow, command, letter_id, exc)
        return
    portal = (
        room.portal_url(command.tenant, command.debtor.customer_ref)
        if command.include_portal_link
        else None
    )
    content = compose(
        command,
        block.lines,
        room.sender,
        today=command.dated_on or room.today(),
        reference=f"{command.debtor.customer_ref} / {letter_id[:8].upper()}",
        portal_url=portal,
        rates=parts.rates,
    )
    pdf = await asyncio.to_thread(render_pdf, content, title=content.subject)
    digest = sha256(pdf)  # in the key: a stored document is never overwritten
    key = f"{command.tenant}/{letter_id}/letter-{digest[:16]}.pdf"
    stored = await parts.storage.put(key, pdf)
    await repository.add_letter(
        session,
        {
            **_row(command, letter_id),
            "status": READY,
            "recipient": {"lines": list(block.lines), "country": address.country},
            "summary": content.summary,
            "pdf_key": stored.key,
            "pdf_sha256": stored.sha256,
            "pdf_pages": len(PdfReader(io.BytesIO(pdf)).pages),
        },
    )
