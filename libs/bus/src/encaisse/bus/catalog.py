"""Every queue Encaisse's own services consume, with its bindings: one list for all.

A topic exchange drops a message that no queue is bound to. Were each service to
declare only its own queues when it starts, whatever the ledger published before the
scheduler or the portal first started would be lost (``make run`` on a fresh broker
lost the demo's invoices so; so would a deployment where a subscriber comes after
its publisher). So every service declares this whole list at start, and so does
each ``migrate`` (``declare_subscriptions``), before anything publishes: whichever
comes first, the queues are there and keep what arrives until their consumer comes.

A service that declares another's queue declares it, its dead-letter queue and its
bindings only: the retry wait queues carry the owner's delays
(``ENCAISSE_RETRY_DELAYS_MS``), so only the owner declares them, when it consumes.
"""

from __future__ import annotations

from aio_pika.abc import AbstractChannel

from encaisse.bus.topology import (
    COMMANDS,
    EVENTS,
    UNROUTED_EVENTS,
    Binding,
    QueueSpec,
    declare,
    declare_queue,
)
from encaisse.contracts.ledger import RecordDunningContact
from encaisse.contracts.letters import SendLetter
from encaisse.contracts.notifier import SendEmail, SendSms
from encaisse.contracts.portal import PaymentCaptured

LEDGER_PORTAL_PAYMENTS = QueueSpec(
    "ledger.portal_payments", bindings=(Binding(EVENTS, PaymentCaptured.routing_key),)
)

LEDGER_COMMANDS = QueueSpec(
    "ledger.commands", bindings=(Binding(COMMANDS, RecordDunningContact.routing_key),)
)

LETTERS_COMMANDS = QueueSpec("letters.commands", (Binding(COMMANDS, SendLetter.routing_key),))

NOTIFIER_COMMANDS = QueueSpec(
    "notifier.commands",
    bindings=(Binding(COMMANDS, SendEmail.routing_key), Binding(COMMANDS, SendSms.routing_key)),
    batch_size=32,
)

PORTAL_READ_MODEL = QueueSpec(
    "portal.read_model",
    bindings=tuple(
        Binding(EVENTS, p)
        for p in (
            "ledger.customer.*.v1",
            "ledger.invoice.*.v1",
            "ledger.payment.*.v1",
            "notifier.message.*.v1",
            "letters.letter.*.v1",
        )
    ),
)
PORTAL_NOTICES = QueueSpec("portal.notices", bindings=(Binding(COMMANDS, "portal.notice.v1"),))

SCHEDULER_EVENTS = QueueSpec(
    "scheduler.events",
    bindings=tuple(
        Binding(EVENTS, p)
        for p in (
            "ledger.customer.*.v1",
            "ledger.invoice.*.v1",
            "ledger.payment.*.v1",
            "notifier.message.failed.v1",
            "notifier.message.uncertain.v1",
            "letters.letter.returned.v1",
            "letters.letter.failed.v1",
            "letters.letter.delivered.v1",
            "portal.dispute.opened.v1",
            "portal.promise.made.v1",
            "portal.plan.requested.v1",
        )
    ),
)

SUBSCRIPTIONS: tuple[QueueSpec, ...] = (
    LEDGER_PORTAL_PAYMENTS,
    LEDGER_COMMANDS,
    LETTERS_COMMANDS,
    NOTIFIER_COMMANDS,
    PORTAL_READ_MODEL,
    PORTAL_NOTICES,
    SCHEDULER_EVENTS,
)


# What ``encaisse.events`` could not route and an Encaisse queue subscribes to (its queue
# was missing): kept here for ``encaisse-dlq reroute``. Other unroutable events, which no
# Encaisse service takes by design (``scheduler.*`` today), are dropped as before.
UNROUTED_EVENTS_QUEUE = QueueSpec(
    UNROUTED_EVENTS,
    retry_delays_ms=(),
    bindings=tuple(
        dict.fromkeys(
            Binding(UNROUTED_EVENTS, b.pattern)
            for spec in SUBSCRIPTIONS
            for b in spec.bindings
            if b.exchange == EVENTS
        )
    ),
)


async def declare_subscriptions(
    channel: AbstractChannel, *, as_is: frozenset[str] = frozenset()
) -> None:
    """The exchanges and every Encaisse queue with its bindings (no retry queues); idempotent.
    ``as_is``: exchanges to use as the broker has them (``exchanges_as_they_are``)."""
    await declare(channel, as_is=as_is)
    await declare_queue(channel, UNROUTED_EVENTS_QUEUE)
    for spec in SUBSCRIPTIONS:
        await declare_queue(channel, spec, with_retries=False)
