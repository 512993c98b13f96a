"""The ledger's rules, as pure functions and dataclasses: no I/O, no clock (the day is a
parameter), tested without a database."""

from encaisse.ledger.domain.balances import (
    FINAL,
    SETTLEABLE,
    ZERO,
    OpenInvoice,
    Share,
    allocate_oldest_first,
    status_for,
    unallocated,
)
from encaisse.ledger.domain.receivables import AGING_BUCKETS, DSO_METHOD, aging_bucket, dso

__all__ = [
    "AGING_BUCKETS",
    "DSO_METHOD",
    "FINAL",
    "SETTLEABLE",
    "ZERO",
    "OpenInvoice",
    "Share",
    "aging_bucket",
    "allocate_oldest_first",
    "dso",
    "status_for",
    "unallocated",
]
