"""Messages the ledger consumes."""

from encaisse.bus.consumer import Handlers
from encaisse.bus.topology import QueueSpec

HANDLERS: Handlers = {}
QUEUES: tuple[QueueSpec, ...] = ()
