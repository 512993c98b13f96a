"""The portal's tables, in its own schema ``portal``.

- read model (from the ledger, notifier and letters events): customers,
  invoices, payments, history; each row keeps the version of the event that
  wrote it, so an older event arriving late changes nothing;
- access: per-customer revocation time, exchanged links and sessions, both by
  SHA-256 only; link requests for the rate limit (hashes of address and client);
- what debtors entered: disputes, promises, plans, checkouts.
"""

from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    DateTime,
    Identity,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    func,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

from encaisse.bus.tables import inbox_table, outbox_table
from encaisse.kit.db import service_metadata

SCHEMA = "portal"
metadata = service_metadata(SCHEMA)
# Amounts as the ledger sends them, at any currency's precision (KWD has three decimals);
# read back at the currency's own (``encaisse.kit.money.at_precision``).
AMOUNT = Numeric(18, 4)

outbox = outbox_table(metadata)
inbox = inbox_table(metadata)


def _now() -> Column:
    return Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now())


customers = Table(
    "customers",
    metadata,
    Column("tenant", String(64), nullable=False),
    Column("customer_ref", String(100), nullable=False),
    Column("name", String(300), nullable=False),
    Column("email", String(320)),
    Column("language", String(35), nullable=False),
    Column("timezone", String(64), nullable=False),
    Column("country", String(2), nullable=False),
    Column("version", Integer, nullable=False),
    PrimaryKeyConstraint("tenant", "customer_ref"),
)
Index("ix_customers_email_lower", func.lower(customers.c.email))

invoices = Table(
    "invoices",
    metadata,
    Column("tenant", String(64), nullable=False),
    Column("invoice_number", String(100), nullable=False),
    Column("customer_ref", String(100), nullable=False),
    Column("issue_date", Date, nullable=False),
    Column("due_date", Date, nullable=False),
    Column("amount", AMOUNT, nullable=False),
    Column("open_balance", AMOUNT, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("status", String(20), nullable=False),
    Column("pdf_url", Text),
    Column("version", Integer, nullable=False),
    PrimaryKeyConstraint("tenant", "invoice_number"),
    Index(None, "tenant", "customer_ref"),
)

payments = Table(
    "payments",
    metadata,
    Column("tenant", String(64), nullable=False),
    Column("payment_ref", String(100), nullable=False),
    Column("customer_ref", String(100), nullable=False),
    Column("paid_on", Date, nullable=False),
    Column("amount", AMOUNT, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("method", String(20), nullable=False),
    Column("status", String(20), nullable=False),
    Column("version", Integer, nullable=False),
    PrimaryKeyConstraint("tenant", "payment_ref"),
    Index(None, "tenant", "customer_ref"),
)

history = Table(
    "history",
    metadata,
    Column("tenant", String(64), nullable=False),
    Column("item_id", String(100), nullable=False, comment="message or letter id"),
    Column("customer_ref", String(100), nullable=False),
    Column("kind", String(10), nullable=False, comment="email, sms or letter"),
    Column("status", String(20), nullable=False),
    Column("detail", String(200), nullable=False, server_default=""),
    Column("sent_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("version", Integer, nullable=False),
    PrimaryKeyConstraint("tenant", "item_id"),
    Index(None, "tenant", "customer_ref"),
)

notices = Table(
    "notices",
    metadata,
    Column("tenant", String(64), nullable=False),
    Column("idempotency_key", String(200), nullable=False),
    Column("customer_ref", String(100), nullable=False),
    Column("template", String(100), nullable=False),
    Column("invoice_numbers", ARRAY(String(100)), nullable=False),
    Column(
        "position",
        JSONB,
        nullable=True,
        comment="the account statement the notice was sent with (contracts Position)",
    ),
    _now(),
    PrimaryKeyConstraint("tenant", "idempotency_key"),
    Index(None, "tenant", "customer_ref"),
)

revocations = Table(
    "revocations",
    metadata,
    Column("tenant", String(64), nullable=False),
    Column("customer_ref", String(100), nullable=False),
    Column("revoked_before", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("tenant", "customer_ref"),
)

used_links = Table(
    "used_links",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("tenant", String(64), nullable=False),
    Column("customer_ref", String(100), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("used_at", DateTime(timezone=True), nullable=False),
    Index(None, "expires_at"),  # the purge
)

sessions = Table(
    "sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("tenant", String(64), nullable=False),
    Column("customer_ref", String(100), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Index(None, "tenant", "customer_ref"),
    Index(None, "expires_at"),  # the purge
)

link_requests = Table(
    "link_requests",
    metadata,
    Column("id", BigInteger, Identity(always=True), primary_key=True),
    Column("address_hash", String(64), nullable=False),
    Column("client_hash", String(64), nullable=False),
    Column("requested_at", DateTime(timezone=True), nullable=False),
    Index(None, "address_hash", "requested_at"),
    Index(None, "client_hash", "requested_at"),
    Index(None, "requested_at"),  # the purge
)

tenant_settings = Table(
    "tenant_settings",
    metadata,
    Column("tenant", String(64), primary_key=True),
    Column("promise_max_days", Integer, nullable=False),
)

disputes = Table(
    "disputes",
    metadata,
    Column("dispute_id", String(36), primary_key=True),
    Column("tenant", String(64), nullable=False),
    Column("customer_ref", String(100), nullable=False),
    Column("invoice_number", String(100), nullable=False),
    Column("reason", String(30), nullable=False),
    Column("message", Text, nullable=False),
    Column("attachment", LargeBinary),
    Column("attachment_type", String(100)),
    Column("attachment_sha256", String(64)),
    Column("opened_at", DateTime(timezone=True), nullable=False),
    Index(None, "tenant", "customer_ref"),
)

promises = Table(
    "promises",
    metadata,
    Column("promise_id", String(36), primary_key=True),
    Column("tenant", String(64), nullable=False),
    Column("customer_ref", String(100), nullable=False),
    Column("invoice_numbers", ARRAY(String(100)), nullable=False),
    Column("promised_date", Date, nullable=False),
    _now(),
    Index(None, "tenant", "customer_ref"),
)

plans = Table(
    "plans",
    metadata,
    Column("plan_id", String(36), primary_key=True),
    Column("tenant", String(64), nullable=False),
    Column("customer_ref", String(100), nullable=False),
    Column("invoice_numbers", ARRAY(String(100)), nullable=False),
    Column("instalments", Integer, nullable=False),
    _now(),
    Index(None, "tenant", "customer_ref"),
)

checkouts = Table(
    "checkouts",
    metadata,
    Column("checkout_id", String(36), primary_key=True),
    Column("tenant", String(64), nullable=False),
    Column("customer_ref", String(100), nullable=False),
    Column("allocations", JSONB, nullable=False, comment="[{invoice_number, amount}]"),
    Column("amount", AMOUNT, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("status", String(20), nullable=False, comment="pending, captured or failed"),
    Column("provider", String(30), nullable=False),
    Column("provider_ref", String(100)),
    _now(),
    Column("completed_at", DateTime(timezone=True)),
    Index(None, "tenant", "customer_ref"),
)
