"""The ledger's tables, in its own schema ``ledger``."""

from encaisse.bus.tables import inbox_table, outbox_table
from encaisse.kit.db import service_metadata

SCHEMA = "ledger"
metadata = service_metadata(SCHEMA)

outbox = outbox_table(metadata)
inbox = inbox_table(metadata)
