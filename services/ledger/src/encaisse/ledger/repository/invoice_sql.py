"""The invoice event's JSON as PostgreSQL builds it, generated from ``domain.events``.

The set-based statement (``invoice_batch``) writes its events' bodies in SQL; the SQL comes
from ``INVOICE_STATE``, the list the contract's model and the bulk path of new invoices
follow too, so the three give the same bytes (a test compares them).
"""

from __future__ import annotations

from collections.abc import Mapping

from encaisse.ledger.domain.events import INVOICE_STATE, Kind, StateField, state_columns

__all__ = ["state_columns", "state_json"]


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def state_json(
    alias: str,
    given: Mapping[str, str] | None = None,
    fields: tuple[StateField, ...] = INVOICE_STATE,
) -> str:
    """A SQL text expression: the members of the JSON object of ``fields`` (no braces), read
    from the columns of ``alias``; ``given`` names an expression for some columns instead
    (such as the tenant, a parameter). ``to_json`` escapes text as the models' JSON does."""
    given = given or {}

    def column(name: str) -> str:
        return given.get(name, f"{alias}.{name}")

    pieces: list[str] = []  # alternately literal text and expressions
    literal = ""
    for n, f in enumerate(fields):
        literal += ("," if n else "") + f'"{f.name}":'
        if f.kind is Kind.TEXT:
            expression = f"coalesce(to_json({column(f.column)})::text, 'null')"
        elif f.kind is Kind.NUMBER:
            expression = f"({column(f.column)})::text"
        elif f.kind is Kind.WORD:
            literal += '"'
            expression = f"({column(f.column)})::text"
        else:
            literal += '{"amount":"'
            pieces += [_literal(literal), f"({column(f.column)})::text"]
            literal = '","currency":"'
            expression = f"({column(f.currency)})::text"
        pieces += [_literal(literal), expression]
        literal = '"' if f.kind is Kind.WORD else '"}' if f.kind is Kind.MONEY else ""
    if literal:
        pieces.append(_literal(literal))
    return " || ".join(pieces)
