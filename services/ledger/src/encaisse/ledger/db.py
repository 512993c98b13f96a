"""The ledger's tables, in its own schema ``ledger``.

Every row carries ``tenant``; primary keys start with it, so another tenant's
records are simply not found. Each aggregate (customer, invoice, payment) keeps
a ``version`` that grows by one per change and goes out with its events.
"""

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKeyConstraint,
    Index,
    Integer,
    Numeric,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

from encaisse.bus.tables import inbox_table, outbox_table
from encaisse.kit.db import service_metadata

SCHEMA = "ledger"
metadata = service_metadata(SCHEMA)

outbox = outbox_table(metadata)
inbox = inbox_table(metadata)

AMOUNT = Numeric(18, 2)


def _stamps() -> list[Column]:
    return [
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    ]


customers = Table(
    "customers",
    metadata,
    Column("tenant", String(64), nullable=False),
    Column("ref", String(100), nullable=False),
    Column("name", Text, nullable=False),
    Column("legal_id", String(14)),
    Column("vat_number", String(20)),
    Column("segment", String(20), nullable=False),
    Column("country", String(2), nullable=False),
    Column("language", String(35), nullable=False),
    Column("timezone", String(64), nullable=False),
    Column("payment_method", String(20), nullable=False),
    Column("email", Text),
    Column("phone", String(20)),
    Column("address", JSONB),
    Column("sales_rep_email", Text),
    Column("excluded_from_dunning", Boolean, nullable=False, server_default="false"),
    # people with roles, from the customer's record (import or API), replaced with it
    Column("contacts", JSONB, nullable=False, server_default=text("'[]'::jsonb")),
    Column("risk_class", String(32)),
    # collected on a call (RecordDunningContact): never written by an import or a PUT
    Column("dunning_contact", JSONB),
    Column("version", Integer, nullable=False),
    *_stamps(),
    PrimaryKeyConstraint("tenant", "ref"),
)

invoices = Table(
    "invoices",
    metadata,
    Column("tenant", String(64), nullable=False),
    Column("number", String(100), nullable=False),
    Column("customer_ref", String(100), nullable=False),
    Column("issue_date", Date, nullable=False),
    Column("due_date", Date, nullable=False),
    Column("amount", AMOUNT, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("open_balance", AMOUNT, nullable=False),
    Column("status", String(20), nullable=False),
    Column("pdf_url", Text),
    Column("version", Integer, nullable=False),
    *_stamps(),
    # No foreign key to customers: the set-based upsert checks the customer of every line
    # (and customers are never deleted); the key's trigger cost a fifth of an import.
    PrimaryKeyConstraint("tenant", "number"),
    CheckConstraint("amount > 0", name="amount_positive"),
    CheckConstraint("open_balance >= 0 AND open_balance <= amount", name="balance_in_range"),
    CheckConstraint("due_date >= issue_date", name="due_after_issue"),
    # Tenant second: so that the primary key is the only index a (tenant, number) probe can
    # use, even while the table's statistics still say it is empty (first bulk import).
    Index(None, "customer_ref", "tenant", "due_date"),
    Index(None, "status", "tenant", "due_date"),
)

payments = Table(
    "payments",
    metadata,
    Column("tenant", String(64), nullable=False),
    Column("ref", String(100), nullable=False),
    Column("customer_ref", String(100), nullable=False),
    Column("paid_on", Date, nullable=False),
    Column("amount", AMOUNT, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("method", String(20), nullable=False),
    Column("unallocated", AMOUNT, nullable=False),
    Column("status", String(20), nullable=False, server_default="received"),
    Column("rejected_on", Date),
    Column("rejection_reason", Text),
    Column("version", Integer, nullable=False),
    *_stamps(),
    PrimaryKeyConstraint("tenant", "ref"),
    ForeignKeyConstraint(["tenant", "customer_ref"], ["customers.tenant", "customers.ref"]),
    CheckConstraint("amount > 0", name="amount_positive"),
)

allocations = Table(
    "allocations",
    metadata,
    Column("tenant", String(64), nullable=False),
    Column("payment_ref", String(100), nullable=False),
    Column("invoice_number", String(100), nullable=False),
    Column("amount", AMOUNT, nullable=False),
    PrimaryKeyConstraint("tenant", "payment_ref", "invoice_number"),
    ForeignKeyConstraint(["tenant", "payment_ref"], ["payments.tenant", "payments.ref"]),
    ForeignKeyConstraint(["tenant", "invoice_number"], ["invoices.tenant", "invoices.number"]),
    Index(None, "tenant", "invoice_number"),
    CheckConstraint("amount > 0", name="amount_positive"),
)
