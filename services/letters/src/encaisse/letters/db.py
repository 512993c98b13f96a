"""The letters service's tables, in its own schema ``letters``."""

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB

from encaisse.bus.tables import inbox_table, outbox_table
from encaisse.kit.db import service_metadata

SCHEMA = "letters"
metadata = service_metadata(SCHEMA)

outbox = outbox_table(metadata)
inbox = inbox_table(metadata)

letters = Table(
    "letters",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("tenant", String(64), nullable=False),
    Column("command_key", String(200), nullable=False),
    Column("customer_ref", String(200), nullable=False),
    Column("case_id", String(200)),
    Column("step", String(200)),
    Column("kind", String(20), nullable=False),
    Column("template", String(100), nullable=False),
    Column("language", String(10), nullable=False),
    # ready -> submitted -> posted -> delivered | returned; failed at any point
    Column("status", String(20), nullable=False),
    Column("version", Integer, nullable=False, server_default="1"),
    Column("recipient", JSONB, nullable=False, comment="the address block as printed"),
    Column("summary", JSONB, nullable=False, comment="invoices and totals as printed"),
    Column("pdf_key", String(300)),
    Column("pdf_sha256", String(64)),
    Column("pdf_pages", Integer),
    Column("provider_sending_id", String(100)),
    Column("provider_events_applied", Integer, nullable=False, server_default="0"),
    Column("next_poll_at", DateTime(timezone=True), comment="when to ask the provider again"),
    Column(
        "unchanged_polls",
        Integer,
        nullable=False,
        server_default="0",
        comment="polls in a row that found nothing new (the next one waits longer)",
    ),
    Column("tracking_number", String(100)),
    Column("cost_amount", Numeric(12, 2)),
    Column("cost_currency", String(3)),
    Column("reason", String(40)),
    Column("detail", Text),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("submitted_at", DateTime(timezone=True)),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    UniqueConstraint("tenant", "command_key"),
    Index(None, "tenant", "customer_ref"),
    Index(None, "status"),
    Index(None, "provider_sending_id"),
)

proofs = Table(
    "proofs",
    metadata,
    Column("id", BigInteger, Identity(always=True), primary_key=True),
    Column("letter_id", String(36), ForeignKey(letters.c.id), nullable=False),
    Column("kind", String(20), nullable=False, comment="deposit, receipt or return"),
    Column("storage_key", String(300), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("size", Integer, nullable=False),
    Column("content_type", String(100), nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    UniqueConstraint("letter_id", "kind"),
)
