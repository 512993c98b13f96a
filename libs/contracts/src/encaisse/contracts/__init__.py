"""Encaisse's public message contracts: the envelope, events and commands.

Routing keys and payloads defined here are the public contract of the bus.
Every change is additive, or gets a new ``v2`` type beside the old one.
"""

from encaisse.contracts.base import (
    Command,
    Event,
    Message,
    Money,
    message_class,
    registered_messages,
)
from encaisse.contracts.envelope import (
    Envelope,
    InvalidEnvelope,
    decode,
    encode,
)

__all__ = [
    "Command",
    "Envelope",
    "Event",
    "InvalidEnvelope",
    "Message",
    "Money",
    "decode",
    "encode",
    "message_class",
    "registered_messages",
]
