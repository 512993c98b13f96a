"""The ledger's HTTP API, one router per resource."""
