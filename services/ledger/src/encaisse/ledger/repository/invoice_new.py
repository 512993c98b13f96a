"""New invoices in bulk: COPY straight into the table, their events as one outbox bundle.

A first import, or the day's new invoices, is a chunk of invoices none of which
exists yet. For such a chunk the general statement (``invoice_batch``) does more
than needed: it stages the lines, probes the invoices one by one, and builds the
events in SQL, a third of its time. Here the chunk's customers are probed once
each, the known customers' invoices are copied into ``ledger.invoices`` as
PostgreSQL's own COPY would (the unique index checks every number as it goes),
and their ``invoice.issued`` events, built here from the same values, go to the
outbox as one bundle row (``encaisse.bus.bundle``). If one of the numbers exists
after all, the COPY fails with a unique violation and the caller applies the
chunk through the general statement.

The events are the bytes ``InvoiceIssued.model_dump_json()`` would give: both follow
``domain.events.INVOICE_STATE`` (tests compare them).
"""

from __future__ import annotations

import io
import json
import os
import re
from collections.abc import Sequence
from typing import Any

import asyncpg

from encaisse.bus.bundle import bundle_line, bundle_row
from encaisse.ledger.domain.events import json_text, json_writer

ROUTING_KEY = "ledger.invoice.issued.v1"
COLUMNS = (
    "tenant",
    "number",
    "customer_ref",
    "issue_date",
    "due_date",
    "amount",
    "currency",
    "open_balance",
    "status",
    "pdf_url",
    "version",
)
KNOWN_CUSTOMERS = "SELECT ref FROM ledger.customers WHERE tenant = $1 AND ref = ANY($2::varchar[])"
INSERT_BUNDLE = (
    "INSERT INTO ledger.outbox (message_id, exchange, routing_key, headers, body,"
    " aggregate_id) VALUES ($1, $2, $3, $4::jsonb, $5, $6)"
)

# text that JSON and COPY's text format both take as it is
_PLAIN = re.compile(r'[^"\\\x00-\x1f]*').fullmatch
# an amount already as ``numeric(18,2)`` prints it
_ROUND = re.compile(r"(?:0|[1-9]\d*)\.\d\d").fullmatch
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def copy_text(value: str | None) -> str:
    if value is None:
        return "\\N"
    return value if _PLAIN(value) else value.translate(_COPY_ESCAPES)


def money_text(amount: str) -> str:
    """A validated decimal string as ``numeric(18,2)`` prints it: ``007.5`` is ``7.50``."""
    whole, _, cents = amount.partition(".")
    return f"{whole.lstrip('0') or '0'}.{cents:0<2}"


_VARIANT = {c: "89ab"[int(c, 16) & 3] for c in "0123456789abcdef"}


def message_ids(count: int) -> list[str]:
    """Random (version 4) UUIDs, from one read of the system's random source."""
    raw = os.urandom(16 * count).hex()
    variant = _VARIANT
    return [
        f"{raw[k : k + 8]}-{raw[k + 8 : k + 12]}-4{raw[k + 13 : k + 16]}-{variant[raw[k + 16]]}"
        f"{raw[k + 17 : k + 20]}-{raw[k + 20 : k + 32]}"
        for k in range(0, 32 * count, 32)
    ]


# The JSON of an ``InvoiceIssued``, written from the one list of its fields (``domain.events``)
ISSUED_JSON = json_writer()


def invoice_texts(
    tenant_copy: str,
    tenant_json: str,
    message_id: str,
    number: str,
    customer: str,
    issued: str,
    due: str,
    amount: str,
    currency: str,
    pdf_url: str | None,
) -> tuple[str, str]:
    """A new invoice's COPY row (``COLUMNS``) and its ``invoice.issued`` bundle line."""
    if not _ROUND(amount):
        amount = money_text(amount)
    texts = f"{number}{customer}{pdf_url or ''}"
    if '"' in texts or "\\" in texts or not texts.isprintable():  # to escape (or unusual)
        number_copy, customer_copy, url_copy = map(copy_text, (number, customer, pdf_url))
        number_json, customer_json, url_json = map(json_text, (number, customer, pdf_url))
    else:  # the usual case: every text as it is, without a pattern's check
        number_copy, customer_copy = number, customer
        number_json, customer_json = f'"{number}"', f'"{customer}"'
        url_copy, url_json = ("\\N", "null") if pdf_url is None else (pdf_url, f'"{pdf_url}"')
    body = ISSUED_JSON(
        tenant=tenant_json,
        version="1",
        number=number_json,
        customer_ref=customer_json,
        issue_date=issued,
        due_date=due,
        amount=amount,
        currency=currency,
        open_balance=amount,
        status="open",
        pdf_url=url_json,
    )
    return (
        f"{tenant_copy}\t{number_copy}\t{customer_copy}\t{issued}\t{due}\t{amount}\t"
        f"{currency}\t{amount}\topen\t{url_copy}\t1\n",
        bundle_line(message_id, ROUTING_KEY, number_json, body),
    )


async def insert_new(
    conn: asyncpg.Connection,
    tenant: str,
    records: Sequence[tuple[Any, ...]],
    time: str,
    correlation_id: str | None,
) -> tuple[int, list[int]]:
    """Insert staged records (``STAGE_COLUMNS`` order) as new invoices, with their events.

    Returns how many were created and the lines naming an unknown customer. Raises
    ``asyncpg.UniqueViolationError`` when one of the invoices exists.
    """
    known = {
        row[0]
        for row in await conn.fetch(
            KNOWN_CUSTOMERS, tenant, list({record[2] for record in records})
        )
    }
    unknown: list[int] = []
    tenant_copy, tenant_json = copy_text(tenant), json_text(tenant)
    rows, lines = [], []
    ids = iter(message_ids(len(records)))
    for line, number, customer, issued, due, amount, currency, pdf_url in records:
        if customer not in known:
            unknown.append(line)
            continue
        row, message = invoice_texts(
            tenant_copy,
            tenant_json,
            next(ids),
            number,
            customer,
            issued,
            due,
            amount,
            currency,
            pdf_url,
        )
        rows.append(row)
        lines.append(message)
    if not rows:
        return 0, unknown
    await conn.copy_to_table(
        "invoices", schema_name="ledger", columns=COLUMNS, source=io.BytesIO("".join(rows).encode())
    )
    shared = {
        "ce-source": "/encaisse/ledger",
        "ce-time": time,
        "ce-tenant": tenant,
        "ce-specversion": "1.0",
    }
    if correlation_id is not None:
        shared["ce-correlationid"] = correlation_id
    bundle = bundle_row("encaisse.events", shared, lines)
    await conn.execute(
        INSERT_BUNDLE,
        bundle["message_id"],
        bundle["exchange"],
        bundle["routing_key"],
        json.dumps(bundle["headers"]),
        bundle["body"],
        bundle["aggregate_id"],
    )
    return len(rows), unknown
