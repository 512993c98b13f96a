"""Messages the letters service consumes: ``letters.send_letter.v1``, which composes and
queues a letter (``usecases.letters``) in the consumer's transaction."""

from __future__ import annotations

from typing import TYPE_CHECKING

from encaisse.bus import catalog
from encaisse.bus.consumer import Handlers, PermanentError
from encaisse.bus.topology import QueueSpec
from encaisse.bus.uow import UnitOfWork
from encaisse.contracts import Envelope
from encaisse.contracts.letters import SendLetter
from encaisse.letters.domain.rates import MissingRate
from encaisse.letters.domain.templates import UnknownTemplate
from encaisse.letters.usecases.letters import queue_letter

if TYPE_CHECKING:
    from encaisse.letters.app import LettersParts

QUEUES: tuple[QueueSpec, ...] = (catalog.LETTERS_COMMANDS,)


def handlers(parts: LettersParts) -> Handlers:
    async def send_letter(envelope: Envelope[SendLetter], uow: UnitOfWork) -> None:
        try:
            await queue_letter(uow, envelope.payload, parts)
        except (UnknownTemplate, MissingRate) as exc:  # a letter that cannot be written
            raise PermanentError(str(exc)) from exc

    return {SendLetter: send_letter}
