"""Commands the notifier consumes (queue ``notifier.commands``): each is rendered and
queued once, in the consumer's transaction (``usecases.commands``); the sending pool
sends it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from encaisse.bus import catalog
from encaisse.bus.consumer import Handlers
from encaisse.bus.topology import QueueSpec
from encaisse.bus.uow import UnitOfWork
from encaisse.contracts import Envelope
from encaisse.contracts.notifier import SendEmail, SendSms
from encaisse.notifier.usecases.commands import queue_email, queue_sms

if TYPE_CHECKING:  # the composition root imports this module
    from encaisse.notifier.app import NotifierParts

COMMANDS_QUEUE = catalog.NOTIFIER_COMMANDS
QUEUES: tuple[QueueSpec, ...] = (COMMANDS_QUEUE,)


def handlers(parts: NotifierParts) -> Handlers:
    """The handlers of ``QUEUES``, bound to the parts once."""

    async def send_email(envelope: Envelope[SendEmail], uow: UnitOfWork) -> None:
        await queue_email(uow, parts, envelope)

    async def send_sms(envelope: Envelope[SendSms], uow: UnitOfWork) -> None:
        await queue_sms(uow, parts, envelope)

    return {SendEmail: send_email, SendSms: send_sms}
