"""The tables a letter prints: rows of text, already formatted for its reader. Pure."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class InvoiceTable:
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    totals: tuple[tuple[str, ...], ...]
    numeric_from: int  # columns from this index on are right-aligned


@dataclass(frozen=True)
class Section:
    """A table after the letter's main one, under its own title (the invoices soon due of a
    statement; the other outstanding invoices a formal notice does not demand)."""

    title: str
    table: InvoiceTable
