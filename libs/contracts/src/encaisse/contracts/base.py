"""Base classes for every payload on the bus.

A payload class declares its routing key as a class variable; the class
registers itself so that a consumer can find the model for an incoming
CloudEvents ``type`` without a hand-kept table.

- events: ``<service>.<aggregate>.<event>.v<major>``, past tense, carry the
  aggregate id and its version so consumers can ignore stale ones;
- commands: ``<service>.<verb>.v<major>``, imperative, carry an idempotency
  key so a replay never acts twice.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated, Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, field_validator

_EVENT_KEY = re.compile(r"^[a-z]+\.[a-z_]+\.[a-z_]+\.v[0-9]+$")
_COMMAND_KEY = re.compile(r"^[a-z]+\.[a-z_]+\.v[0-9]+$")

_REGISTRY: dict[str, type[Message]] = {}

CurrencyCode = Annotated[str, Field(pattern=r"^[A-Z]{3}$", description="ISO 4217 code")]
TenantCode = Annotated[str, Field(min_length=1, max_length=64)]


class Money(BaseModel):
    """An amount with its ISO 4217 currency. Serialised with the amount as a string."""

    model_config = ConfigDict(frozen=True)

    amount: Decimal
    currency: CurrencyCode

    @field_validator("amount")
    @classmethod
    def _finite(cls, value: Decimal) -> Decimal:
        if not value.is_finite():
            raise ValueError("amount must be a finite decimal")
        return value


def ce_type_of(routing_key: str) -> str:
    """The CloudEvents ``type`` of the messages published under a routing key."""
    return f"encaisse.{routing_key}"


class Message(BaseModel):
    """A frozen payload. Unknown fields are ignored, so producers may add fields."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    routing_key: ClassVar[str]
    message_kind: ClassVar[str] = "message"

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        key = cls.__dict__.get("routing_key")
        if key is None:
            return
        pattern = _EVENT_KEY if cls.message_kind == "event" else _COMMAND_KEY
        if not pattern.match(key):
            raise TypeError(
                f"{cls.__name__}: routing key {key!r} breaks the {cls.message_kind} naming"
            )
        if key in _REGISTRY and _REGISTRY[key].__qualname__ != cls.__qualname__:
            raise TypeError(f"routing key {key!r} registered twice")
        _REGISTRY[key] = cls

    @classmethod
    def service(cls) -> str:
        return cls.routing_key.split(".", 1)[0]

    @classmethod
    def ce_type(cls) -> str:
        return ce_type_of(cls.routing_key)

    @classmethod
    def exchange(cls) -> str:
        return "encaisse.events" if cls.message_kind == "event" else "encaisse.commands"


class Event(Message):
    """Something that happened to an aggregate. ``version`` grows by one per change."""

    message_kind: ClassVar[str] = "event"

    tenant: TenantCode
    version: int = Field(ge=1, description="aggregate version after this change")


class Command(Message):
    """A request to act. ``idempotency_key`` names the act, so a replay is recognised."""

    message_kind: ClassVar[str] = "command"

    tenant: TenantCode
    idempotency_key: str = Field(min_length=1, max_length=200)


def message_class(ce_type: str) -> type[Message] | None:
    """The payload model for a CloudEvents type such as ``encaisse.ledger.invoice.issued.v1``."""
    prefix = "encaisse."
    if not ce_type.startswith(prefix):
        return None
    return _REGISTRY.get(ce_type[len(prefix) :])


def registered_messages() -> dict[str, type[Message]]:
    """Every payload class imported so far, by routing key."""
    return dict(sorted(_REGISTRY.items()))
