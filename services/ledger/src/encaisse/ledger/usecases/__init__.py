"""The ledger's acts, shared by its routes, its bus handler, the import and the demo data:
each takes a unit of work (or a session for a read) and raises ``encaisse.kit.failures``
errors naming the field at fault."""
