"""Bundles: many outbox messages in one row, for writers of thousands of events at once.

A bulk import writes one event per invoice. As rows of their own, those events cost
the import a third of its time (a heap tuple and an index entry each, and the headers
every message repeats); in one row a chunk's events are written as one value.

A bundle row has the header ``x-encaisse-bundle`` and the headers its messages share
(``ce-source``, ``ce-time``, ``ce-tenant``, ``ce-specversion``, and ``ce-correlationid``
when one correlation covers them all; otherwise each message is its own correlation,
as an ``Envelope`` is by default). Its body holds one message a line, in publishing
order: ``<message id> TAB <routing key> TAB <subject as a JSON string> TAB <JSON body>``.
Ids and routing keys hold no tab or line break; JSON text holds neither raw.
The relay turns a bundle back into the messages ``Outgoing.from_envelope`` would give.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from encaisse.bus.publisher import Outgoing
from encaisse.contracts import Envelope
from encaisse.contracts.base import ce_type_of

BUNDLE = "x-encaisse-bundle"
SHARED = (
    "ce-source",
    "ce-time",
    "ce-tenant",
    "ce-specversion",
    "ce-correlationid",
    "ce-causationid",
    "ce-traceparent",
)


def is_bundle(headers: Mapping[str, Any]) -> bool:
    return BUNDLE in headers


def unbundle(exchange: str, headers: Mapping[str, Any], body: bytes) -> list[Outgoing]:
    """The messages of a bundle row, in order."""
    shared = {k: v for k, v in headers.items() if k != BUNDLE}
    messages = []
    for line in body.decode().split("\n"):
        if not line:
            continue
        message_id, routing_key, subject, payload = line.split("\t", 3)
        own = {
            "ce-id": message_id,
            "ce-type": ce_type_of(routing_key),
            "ce-subject": json.loads(subject),
        }
        if "ce-correlationid" not in shared:
            own["ce-correlationid"] = message_id
        messages.append(
            Outgoing(
                exchange=exchange,
                routing_key=routing_key,
                message_id=message_id,
                headers={**shared, **own},
                body=payload.encode(),
            )
        )
    return messages


def bundle_line(message_id: str, routing_key: str, subject_json: str, body: str) -> str:
    """One message of a bundle's body; ``subject_json`` and ``body`` are JSON text."""
    return f"{message_id}\t{routing_key}\t{subject_json}\t{body}\n"


def bundle_row(exchange: str, shared: Mapping[str, Any], lines: Sequence[str]) -> dict[str, Any]:
    """The outbox row (column values) of a bundle of ``lines`` (``bundle_line``)."""
    return {
        "message_id": lines[0].split("\t", 1)[0],
        "exchange": exchange,
        "routing_key": "",
        "headers": {**shared, BUNDLE: len(lines)},
        "body": "".join(lines).encode(),
        "aggregate_id": "",
    }


def bundle(envelopes: Sequence[Envelope[Any]]) -> dict[str, Any]:
    """The outbox row of envelopes that share exchange, source, time, tenant and trace."""
    outgoing = [Outgoing.from_envelope(e) for e in envelopes]
    first = outgoing[0].headers
    shared = {k: first[k] for k in SHARED if k in first}
    if all(o.headers.get("ce-correlationid") == o.message_id for o in outgoing):
        shared.pop("ce-correlationid", None)
    for envelope, out in zip(envelopes, outgoing, strict=True):
        if out.exchange != outgoing[0].exchange or any(
            out.headers.get(k) != v for k, v in shared.items()
        ):
            raise ValueError(f"message {envelope.id} does not share the bundle's headers")
    return bundle_row(
        outgoing[0].exchange,
        shared,
        [
            bundle_line(
                o.message_id,
                o.routing_key,
                json.dumps(e.subject, ensure_ascii=False),
                o.body.decode(),
            )
            for e, o in zip(envelopes, outgoing, strict=True)
        ],
    )
