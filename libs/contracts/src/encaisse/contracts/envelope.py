"""The CloudEvents 1.0 envelope, in RabbitMQ binary mode.

Attributes travel as ``ce-`` headers, the payload as a JSON body. Extensions:
``tenant``, ``correlationid``, ``causationid``, ``traceparent``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from cloudevents.core.bindings import rabbitmq
from cloudevents.core.formats.json import JSONFormat
from cloudevents.core.v1.event import CloudEvent
from pydantic import ValidationError

from encaisse.contracts.base import Message, message_class

M = TypeVar("M", bound=Message)

CONTENT_TYPE = "application/json"
_FORMAT = JSONFormat()


class InvalidEnvelope(ValueError):
    """A message that cannot be parsed or validated: it goes to the dead-letter queue at once."""


@dataclass(frozen=True)
class Envelope(Generic[M]):
    payload: M
    subject: str
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    time: datetime = field(default_factory=lambda: datetime.now(UTC))
    correlation_id: str | None = None
    causation_id: str | None = None
    traceparent: str | None = None

    def __post_init__(self) -> None:
        if self.time.tzinfo is None:
            raise ValueError("envelope time must be timezone-aware")
        if self.correlation_id is None:
            object.__setattr__(self, "correlation_id", self.id)

    @property
    def tenant(self) -> str:
        tenant: str = self.payload.tenant  # type: ignore[attr-defined]  # M is bound to Message
        return tenant

    @property
    def type(self) -> str:
        return self.payload.ce_type()

    @property
    def source(self) -> str:
        return f"/encaisse/{self.payload.service()}"

    @property
    def routing_key(self) -> str:
        return self.payload.routing_key

    @property
    def exchange(self) -> str:
        return self.payload.exchange()

    def caused(self, payload: Message, subject: str, time: datetime | None = None) -> Envelope[Any]:
        """A follow-up message: same correlation, this message as its cause."""
        return Envelope(
            payload=payload,
            subject=subject,
            time=time or datetime.now(UTC),
            correlation_id=self.correlation_id,
            causation_id=self.id,
            traceparent=self.traceparent,
        )


@dataclass(frozen=True)
class Wire:
    """What goes on the wire: AMQP headers, content type and body."""

    headers: dict[str, str]
    content_type: str
    body: bytes


def encode(envelope: Envelope[Any]) -> Wire:
    attributes: dict[str, Any] = {
        "id": envelope.id,
        "source": envelope.source,
        "type": envelope.type,
        "time": envelope.time,
        "subject": envelope.subject,
        "datacontenttype": CONTENT_TYPE,
        "tenant": envelope.tenant,
        "correlationid": envelope.correlation_id,
    }
    if envelope.causation_id:
        attributes["causationid"] = envelope.causation_id
    if envelope.traceparent:
        attributes["traceparent"] = envelope.traceparent
    body = envelope.payload.model_dump_json().encode()
    message = rabbitmq.to_binary(CloudEvent(attributes, body), _FORMAT)
    return Wire(headers=message.headers, content_type=CONTENT_TYPE, body=message.body)


def decode(headers: dict[str, Any], content_type: str | None, body: bytes) -> Envelope[Any]:
    """Parse and validate a message; raise InvalidEnvelope naming what is wrong."""
    ce_headers: dict[str, str] = {}
    for key, value in headers.items():
        if not (isinstance(key, str) and key.lower().startswith("ce-")):
            continue
        try:
            ce_headers[key] = value.decode() if isinstance(value, bytes) else str(value)
        except UnicodeDecodeError as exc:
            raise InvalidEnvelope(f"the {key} header is not valid UTF-8: {exc}") from exc
    if "ce-type" not in {k.lower() for k in ce_headers}:
        raise InvalidEnvelope("not a CloudEvent: the ce-type header is missing")
    try:
        event = rabbitmq.from_binary(
            rabbitmq.RabbitMQMessage(headers=ce_headers, content_type=content_type, body=body),
            _FORMAT,
        )
    except Exception as exc:  # the SDK raises several unrelated types
        raise InvalidEnvelope(f"invalid CloudEvent attributes: {exc}") from exc
    attrs = event.get_attributes()
    model = message_class(attrs["type"])
    if model is None:
        raise InvalidEnvelope(f"unknown message type {attrs['type']!r}")
    data = event.get_data()
    if not isinstance(data, dict):
        raise InvalidEnvelope("the body is not a JSON object")
    try:
        payload = model.model_validate(data)
    except ValidationError as exc:
        raise InvalidEnvelope(f"{attrs['type']}: {exc}") from exc
    if attrs.get("tenant") and attrs["tenant"] != payload.tenant:  # type: ignore[attr-defined]  # every payload is a Message with a tenant
        raise InvalidEnvelope("the tenant extension differs from the payload's tenant")
    time = attrs.get("time") or datetime.now(UTC)
    if time.tzinfo is None:
        raise InvalidEnvelope("ce-time has no time zone")
    return Envelope(
        payload=payload,
        subject=attrs.get("subject") or "",
        id=attrs["id"],
        time=time,
        correlation_id=attrs.get("correlationid"),
        causation_id=attrs.get("causationid"),
        traceparent=attrs.get("traceparent"),
    )
