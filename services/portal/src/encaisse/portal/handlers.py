"""Messages the portal consumes: its read model, and the notices it shows."""

from encaisse.bus.consumer import Handlers
from encaisse.bus.topology import COMMANDS, EVENTS, Binding, QueueSpec
from encaisse.portal import readmodel

READ_MODEL = QueueSpec(
    "portal.read_model",
    bindings=(
        Binding(EVENTS, "ledger.customer.*.v1"),
        Binding(EVENTS, "ledger.invoice.*.v1"),
        Binding(EVENTS, "ledger.payment.*.v1"),
        Binding(EVENTS, "notifier.message.*.v1"),
        Binding(EVENTS, "letters.letter.*.v1"),
    ),
)
NOTICES = QueueSpec("portal.notices", bindings=(Binding(COMMANDS, "portal.notice.v1"),))

HANDLERS: Handlers = readmodel.HANDLERS
QUEUES: tuple[QueueSpec, ...] = (READ_MODEL, NOTICES)
