"""Messages the letters service consumes: ``letters.send_letter.v1``.

The handler checks the address, computes and renders the letter, stores the PDF
and records the letter as ``ready``, all in the consumer's transaction. It does
not talk to the postal provider: the dispatcher does, from the ``ready`` rows,
so that a redelivered command finds its letter and never makes a second one.
"""

from __future__ import annotations

import asyncio
import io
import uuid
from functools import partial
from typing import Any

from pypdf import PdfReader
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert

from encaisse.bus import catalog
from encaisse.bus.consumer import Handlers, PermanentError
from encaisse.bus.topology import QueueSpec
from encaisse.bus.uow import UnitOfWork
from encaisse.contracts import Envelope
from encaisse.contracts.letters import LetterFailed, ReturnReason, SendLetter
from encaisse.letters import db
from encaisse.letters.compose import compose
from encaisse.letters.domain.address import AddressInvalid, address_block
from encaisse.letters.domain.lifecycle import FAILED, READY
from encaisse.letters.domain.rates import MissingRate
from encaisse.letters.mailroom import Mailroom, report
from encaisse.letters.pdf import render_pdf
from encaisse.letters.storage import sha256
from encaisse.letters.templates import UnknownTemplate

QUEUES: tuple[QueueSpec, ...] = (catalog.LETTERS_COMMANDS,)
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


async def _insert(uow: UnitOfWork, values: dict[str, Any]) -> bool:
    inserted = await uow.session.execute(
        pg_insert(db.letters)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["tenant", "command_key"])
        .returning(db.letters.c.id)
    )
    return inserted.first() is not None


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
    if await _insert(uow, values):
        row = (
            await uow.session.execute(select(db.letters).where(db.letters.c.id == letter_id))
        ).one()
        await uow.publish(
            report(LetterFailed, row, 1, reason=ReturnReason.ADDRESS_INVALID, detail=str(exc)),
            subject=letter_id,
        )


async def send_letter(envelope: Envelope[SendLetter], uow: UnitOfWork, *, room: Mailroom) -> None:
    command = envelope.payload
    letters = db.letters
    # two deliveries of one command (new message ids, same key) wait for each other here
    await uow.session.execute(
        select(
            func.pg_advisory_xact_lock(
                func.hashtextextended(f"letters:{command.tenant}:{command.idempotency_key}", 0)
            )
        )
    )
    known = await uow.session.scalar(
        select(letters.c.id).where(
            letters.c.tenant == command.tenant, letters.c.command_key == command.idempotency_key
        )
    )
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
    try:
        content = compose(
            command,
            block.lines,
            room.sender,
            today=command.dated_on or room.today(),
            reference=f"{command.debtor.customer_ref} / {letter_id[:8].upper()}",
            portal_url=portal,
            rates=room.rates,
        )
    except (UnknownTemplate, MissingRate) as exc:
        raise PermanentError(str(exc)) from exc
    pdf = await asyncio.to_thread(render_pdf, content, title=content.subject)
    digest = sha256(pdf)  # in the key: a stored document is never overwritten
    key = f"{command.tenant}/{letter_id}/letter-{digest[:16]}.pdf"
    stored = await room.storage.put(key, pdf)
    await _insert(
        uow,
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


def handlers(room: Mailroom) -> Handlers:
    return {SendLetter: partial(send_letter, room=room)}
