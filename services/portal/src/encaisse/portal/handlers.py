"""Messages the portal consumes: its read model, and the notices it shows."""

from encaisse.bus import catalog
from encaisse.bus.consumer import Handlers
from encaisse.bus.topology import QueueSpec
from encaisse.portal import readmodel

READ_MODEL = catalog.PORTAL_READ_MODEL
NOTICES = catalog.PORTAL_NOTICES

HANDLERS: Handlers = readmodel.HANDLERS
QUEUES: tuple[QueueSpec, ...] = (READ_MODEL, NOTICES)
