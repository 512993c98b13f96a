"""The ledger's event payloads, from its rows; the one source of the invoice event payload.

``INVOICE_STATE`` says, field by field of the contract's ``InvoiceState`` (what every
invoice event carries: ``InvoiceIssued`` and its kin), which column of ``ledger.invoices``
holds it and how it reads in JSON. Every writer of an invoice event follows that list:

- ``invoice_event``: the contract's model, for the events published one at a time (the
  outbox gets ``model_dump_json()``);
- ``json_writer``: the same JSON written from texts by a function compiled from the list,
  for the bulk path of new invoices (``repository.invoice_new``);
- ``repository.invoice_sql.state_json``: the same JSON built by PostgreSQL, for the general
  set-based statement (``repository.invoice_batch``).

Tests compare the three byte for byte. A field added to ``InvoiceState`` is added to the
list (and to the table); a list that differs from the contract's fields fails at import.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol, TypeVar

from encaisse.contracts import Money
from encaisse.contracts.ledger import (
    Contact,
    ContactRole,
    CustomerUpserted,
    InvoiceState,
    PostalAddress,
)


class Kind(StrEnum):
    TEXT = "text"  # a string or null, escaped as JSON escapes it
    WORD = "word"  # a string never escaped: an ISO date, a code, an enum value
    NUMBER = "number"  # an integer
    MONEY = "money"  # {"amount": "<numeric(18,2) text>", "currency": "<ISO 4217>"}


@dataclass(frozen=True)
class StateField:
    name: str  # the contract's field
    column: str  # its column in ledger.invoices (the amount's, for money)
    kind: Kind
    currency: str = ""  # money: the column of its currency


INVOICE_STATE: tuple[StateField, ...] = (
    StateField("tenant", "tenant", Kind.TEXT),
    StateField("version", "version", Kind.NUMBER),
    StateField("invoice_number", "number", Kind.TEXT),
    StateField("customer_ref", "customer_ref", Kind.TEXT),
    StateField("issue_date", "issue_date", Kind.WORD),
    StateField("due_date", "due_date", Kind.WORD),
    StateField("amount", "amount", Kind.MONEY, currency="currency"),
    StateField("open_balance", "open_balance", Kind.MONEY, currency="currency"),
    StateField("status", "status", Kind.WORD),
    StateField("pdf_url", "pdf_url", Kind.TEXT),
)
if tuple(f.name for f in INVOICE_STATE) != tuple(InvoiceState.model_fields):
    raise TypeError(
        "INVOICE_STATE must list InvoiceState's fields, in the contract's order: "
        f"{tuple(InvoiceState.model_fields)}"
    )

S = TypeVar("S", bound=InvoiceState)


class Row(Protocol):
    """A row read by column name (a SQLAlchemy ``RowMapping``, an asyncpg record, a dict)."""

    def __getitem__(self, column: str, /) -> Any: ...


def invoice_state(row: Row) -> dict[str, Any]:
    """The ``InvoiceState`` fields of a row of ``ledger.invoices``."""
    return {
        f.name: (
            Money(amount=row[f.column], currency=row[f.currency])
            if f.kind is Kind.MONEY
            else row[f.column]
        )
        for f in INVOICE_STATE
    }


def invoice_event(cls: type[S], row: Row, **extra: Any) -> S:
    """An invoice event of ``cls`` from the invoice's row after the change."""
    return cls(**invoice_state(row), **extra)


# text that JSON takes as it is
_PLAIN = re.compile(r'[^"\\\x00-\x1f]*').fullmatch


def json_text(value: str | None) -> str:
    """A string (or None) as JSON text, escaped as the contracts' models write it."""
    if value is None:
        return "null"
    return f'"{value}"' if _PLAIN(value) else json.dumps(value, ensure_ascii=False)


def state_columns(fields: tuple[StateField, ...] = INVOICE_STATE) -> tuple[str, ...]:
    """The columns of ``ledger.invoices`` the fields are read from, in order, once each."""
    columns = [c for f in fields for c in (f.column, f.currency) if c]
    return tuple(dict.fromkeys(columns))


_NAME = re.compile(r"[a-z_][a-z0-9_]*").fullmatch


def json_writer(fields: tuple[StateField, ...] = INVOICE_STATE) -> Callable[..., str]:
    """A function writing the JSON object of ``fields`` from their columns' texts, given by
    keyword (``state_columns``): a ``TEXT`` column as JSON text (``json_text``), the others
    as they print. Compiled once from the list into an f-string (formatting a template with
    ``%`` cost the bulk path of new invoices twice as much)."""
    names = [f.name for f in fields] + list(state_columns(fields))
    if not all(_NAME(name) for name in names):
        raise ValueError(f"field and column names are lowercase identifiers: {names}")

    def literal(text: str) -> str:
        return text.replace("{", "{{").replace("}", "}}")

    members = []
    for f in fields:
        if f.kind is Kind.WORD:
            members.append(literal(f'"{f.name}":"') + f"{{{f.column}}}" + '"')
        elif f.kind is Kind.MONEY:
            members.append(
                literal(f'"{f.name}":{{"amount":"')
                + f"{{{f.column}}}"
                + literal('","currency":"')
                + f"{{{f.currency}}}"
                + literal('"}')
            )
        else:
            members.append(literal(f'"{f.name}":') + f"{{{f.column}}}")
    body = literal("{") + literal(",").join(members) + literal("}")
    source = f"lambda *, {', '.join(state_columns(fields))}: f'{body}'"
    writer: Callable[..., str] = eval(source)  # names checked above; the list is constant
    return writer


CUSTOMER_FIELDS = tuple(
    name
    for name in CustomerUpserted.model_fields
    if name not in ("tenant", "version", "customer_ref", "created")
)


def customer_contacts(row: Row) -> tuple[Contact, ...]:
    """The people of the customer's record, then the dunning contact collected on a call
    (role ``dunning``) when there is one."""
    people = [Contact(**c) for c in row["contacts"] or ()]
    collected = row["dunning_contact"]
    if collected:
        people.append(
            Contact(
                role=ContactRole.DUNNING,
                **{k: collected.get(k) for k in ("name", "email", "phone")},
            )
        )
    return tuple(people)


def customer_event(row: Row, created: bool) -> CustomerUpserted:
    """``CustomerUpserted`` from a row of ``ledger.customers``."""
    fields = {name: row[name] for name in CUSTOMER_FIELDS if name != "contacts"}
    if fields["address"] is not None:
        fields["address"] = PostalAddress(**fields["address"])
    fields["contacts"] = customer_contacts(row)
    return CustomerUpserted(
        tenant=row["tenant"],
        version=row["version"],
        customer_ref=row["ref"],
        created=created,
        **fields,
    )
