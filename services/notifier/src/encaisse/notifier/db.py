"""The notifier's tables, in its own schema ``notifier``.

``messages`` is both the evidence (the rendered content of everything sent) and
the work queue of the sending pool (``status`` and ``next_attempt_at``); its
unique ``(tenant, command_key)`` is what makes a command act once.
"""

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB

from encaisse.bus.tables import inbox_table, outbox_table
from encaisse.kit.db import service_metadata

SCHEMA = "notifier"
metadata = service_metadata(SCHEMA)

outbox = outbox_table(metadata)
inbox = inbox_table(metadata)

messages = Table(
    "messages",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("tenant", String(64), nullable=False),
    Column("command_key", String(200), nullable=False),
    Column("channel", String(10), nullable=False),
    Column("customer_ref", String(200), nullable=False),
    Column("case_id", String(200)),
    Column("step", String(200)),
    Column("template", String(200), nullable=False),
    Column("language", String(20), nullable=False),
    Column("sender", String(500), nullable=False),
    Column("recipient", String(500), nullable=False, comment="first To address, or the phone"),
    Column("to_addresses", JSONB, nullable=False),
    Column("cc_addresses", JSONB, nullable=False),
    Column("subject", Text, nullable=False),
    Column("body_text", Text, nullable=False),
    Column("body_html", Text),
    Column(
        "attachments",
        JSONB,
        nullable=False,
        server_default="[]",
        comment="[{url, filename, size, sha256} or {url, skipped: why}]",
    ),
    Column(
        "header_message_id",
        String(300),
        nullable=False,
        comment="RFC 5322 Message-ID derived from the command key: stable across retries",
    ),
    Column("provider_ref", String(300), comment="the SMS provider's id of the message"),
    Column(
        "status",
        String(20),
        nullable=False,
        comment="queued, sending (DATA under way), sent, delivered, failed",
    ),
    Column(
        "uncertain",
        Boolean,
        nullable=False,
        server_default="false",
        comment="the sender stopped during DATA: counted as sent, not sent again",
    ),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_attempt_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("leased_until", DateTime(timezone=True)),
    Column("last_error", Text),
    Column("failure_reason", String(30)),
    Column("failure_detail", Text),
    Column("correlation_id", String(64)),
    Column("causation_id", String(64), comment="id of the command's envelope"),
    Column(
        "version",
        Integer,
        nullable=False,
        server_default="0",
        comment="version of the last event published about this message",
    ),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("sent_at", DateTime(timezone=True)),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    UniqueConstraint("tenant", "command_key"),
    Index(None, "status", "next_attempt_at"),
    Index(None, "tenant", "customer_ref", "created_at"),
    Index(None, "header_message_id"),
    Index(None, "provider_ref"),
)

templates = Table(
    "templates",
    metadata,
    Column("tenant", String(64), nullable=False),
    Column("name", String(100), nullable=False),
    Column("language", String(20), nullable=False),
    Column("source", Text, nullable=False),
    Column("updated_by", String(200), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    PrimaryKeyConstraint("tenant", "name", "language"),
)
