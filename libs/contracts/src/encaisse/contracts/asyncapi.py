"""Writes the AsyncAPI 3 document and the JSON Schemas from the payload models.

    python -m encaisse.contracts.asyncapi [--check] [DOCS_DIR]

Never edit ``docs/asyncapi.yaml`` by hand: a test fails when it is stale.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import yaml

from encaisse.contracts.base import Message, registered_messages
from encaisse.contracts.catalog import MODULES, load_all

REF = "#/components/schemas/{model}"

CE_HEADERS: dict[str, Any] = {
    "type": "object",
    "description": "CloudEvents 1.0, RabbitMQ binary content mode: attributes as ce- headers.",
    "required": ["ce-id", "ce-source", "ce-type", "ce-specversion", "ce-tenant"],
    "properties": {
        "ce-id": {"type": "string", "format": "uuid"},
        "ce-source": {"type": "string", "examples": ["/encaisse/ledger"]},
        "ce-type": {"type": "string", "examples": ["encaisse.ledger.invoice.issued.v1"]},
        "ce-specversion": {"type": "string", "const": "1.0"},
        "ce-time": {"type": "string", "format": "date-time"},
        "ce-subject": {"type": "string", "description": "the aggregate id"},
        "ce-tenant": {"type": "string"},
        "ce-correlationid": {"type": "string"},
        "ce-causationid": {"type": "string"},
        "ce-traceparent": {"type": "string", "description": "W3C trace context"},
    },
}


def _schemas(messages: dict[str, type[Message]]) -> dict[str, Any]:
    schemas: dict[str, Any] = {}
    for model in messages.values():
        schema = model.model_json_schema(ref_template=REF, mode="serialization")
        schemas.update(schema.pop("$defs", {}))
        schemas[model.__name__] = schema
    return dict(sorted(schemas.items()))


def build_document(messages: dict[str, type[Message]] | None = None) -> dict[str, Any]:
    if messages is None:
        messages = public_messages()
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    components_messages: dict[str, Any] = {}
    for key, model in messages.items():
        name = model.__name__
        exchange = model.exchange()
        components_messages[name] = {
            "name": model.ce_type(),
            "title": name,
            "summary": (model.__doc__ or name).strip().splitlines()[0],
            "contentType": "application/json",
            "headers": {"$ref": "#/components/schemas/CloudEventHeaders"},
            "payload": {"$ref": REF.format(model=name)},
        }
        channels[key] = {
            "address": key,
            "messages": {name: {"$ref": f"#/components/messages/{name}"}},
            "bindings": {
                "amqp": {
                    "is": "routingKey",
                    "exchange": {
                        "name": exchange,
                        "type": "topic",
                        "durable": True,
                        "autoDelete": False,
                        "vhost": "/",
                    },
                    "bindingVersion": "0.3.0",
                }
            },
        }
        operations[f"{model.service()}.send.{name}"] = {
            "action": "send",
            "summary": f"{model.service()} publishes {name} on {exchange}",
            "channel": {"$ref": f"#/channels/{key}"},
            "messages": [{"$ref": f"#/channels/{key}/messages/{name}"}],
        }
    schemas = _schemas(messages)
    schemas["CloudEventHeaders"] = CE_HEADERS
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Encaisse message bus",
            "version": "1.0.0",
            "description": "Events on the topic exchange encaisse.events and commands on "
            "encaisse.commands. Routing keys: <service>.<aggregate>.<event>.v<major> for "
            "events, <service>.<verb>.v<major> for commands. Generated from the models in "
            "encaisse.contracts; do not edit.",
        },
        "defaultContentType": "application/json",
        "servers": {
            "rabbitmq": {"host": "rabbitmq:5672", "protocol": "amqp", "protocolVersion": "0.9.1"}
        },
        "channels": channels,
        "operations": operations,
        "components": {
            "messages": dict(sorted(components_messages.items())),
            "schemas": dict(sorted(schemas.items())),
        },
    }


def render(document: dict[str, Any]) -> str:
    return str(yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100))


def public_messages() -> dict[str, type[Message]]:
    """The messages of the catalog's modules (test-only payloads are left out)."""
    load_all()
    return {k: m for k, m in registered_messages().items() if m.__module__ in MODULES}


def render_schemas() -> dict[str, str]:
    return {
        f"{key}.json": json.dumps(
            model.model_json_schema(mode="serialization"), indent=2, sort_keys=True
        )
        + "\n"
        for key, model in public_messages().items()
    }


def write(docs: Path) -> list[Path]:
    written = [docs / "asyncapi.yaml"]
    docs.mkdir(parents=True, exist_ok=True)
    written[0].write_text(render(build_document()))
    schema_dir = docs / "schemas"
    schema_dir.mkdir(exist_ok=True)
    wanted = render_schemas()
    for stale in schema_dir.glob("*.json"):
        if stale.name not in wanted:
            stale.unlink()
    for name, text in wanted.items():
        (schema_dir / name).write_text(text)
        written.append(schema_dir / name)
    return written


def stale_files(docs: Path) -> list[str]:
    """The generated files that differ from what the models give."""
    expected = {"asyncapi.yaml": render(build_document())}
    expected.update({f"schemas/{k}": v for k, v in render_schemas().items()})
    stale = [
        n
        for n, text in expected.items()
        if not (docs / n).exists() or (docs / n).read_text() != text
    ]
    extra = [
        f"schemas/{p.name}"
        for p in (docs / "schemas").glob("*.json")
        if p.name not in render_schemas()
    ]
    return sorted(stale + extra)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("docs", nargs="?", default="docs", type=Path)
    parser.add_argument("--check", action="store_true", help="fail when the files are stale")
    args = parser.parse_args(argv)
    if args.check:
        stale = stale_files(args.docs)
        for name in stale:
            print(f"stale: {args.docs / name}", file=sys.stderr)
        return 1 if stale else 0
    for path in write(args.docs):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
