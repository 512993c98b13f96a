"""The scheduler's tables, in its own schema ``scheduler``.

- ``customers``: the read model of the ledger's customers, and the customer's
  dunning case (``case_id``, ``case_state``) with ``next_due_at``, the earliest
  ``due_at`` of its tracks: the day run claims customers by it.
- ``tracks``: one row per invoice, holding only its last and next step.
- ``timeline``: what was done, skipped, paused, and the anomalies (evidence).
- ``channel_days``: which channel carried a message to a customer on a day.
- ``deferred``: a message outside the scenario (a thank-you) waiting for the
  sending window to open; the day run sends it (``customers.next_due_at`` counts it).
- ``exclusions``: staff's exclusions of a customer or an invoice, with their reason, who
  set them and their end; ``customers.staff_excluded`` and ``tracks.excluded`` follow the
  active ones.
"""

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Computed,
    Date,
    DateTime,
    Identity,
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
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

from encaisse.bus.tables import inbox_table, outbox_table
from encaisse.kit.db import service_metadata

SCHEMA = "scheduler"
metadata = service_metadata(SCHEMA)

outbox = outbox_table(metadata)
inbox = inbox_table(metadata)

_now = func.now()

tenants = Table(
    "tenants",
    metadata,
    Column("tenant", String(64), primary_key=True),
    Column("country", String(2), nullable=False, server_default="FR"),
    Column("window", JSONB, nullable=False),
    Column("promise_grace_days", Integer, nullable=False, server_default="3"),
    Column("notice_deadline_days", Integer, nullable=False, server_default="8"),
    Column("credit_owner_email", String(320)),  # disputes and escalations without a sales rep
    # the language of a debtor we write no template in (Debtor.fallback_language)
    Column("language", String(8), nullable=False, server_default="fr"),
    Column("changed_by", String(200), nullable=False, server_default="system"),
    Column("changed_at", DateTime(timezone=True), nullable=False, server_default=_now),
)

profiles = Table(
    "profiles",
    metadata,
    Column("tenant", String(64), nullable=False),
    Column("code", String(64), nullable=False),
    Column("name", String(200), nullable=False),
    Column("scenario_code", String(64), nullable=False),
    Column("segments", ARRAY(String(32)), nullable=False),
    # the policy (domain.scenarios.Policy)
    Column("mode", String(16), nullable=False, server_default="per_customer"),
    Column("min_gap_days", Integer, nullable=False, server_default="7"),
    Column("contacts_per_week", Integer, nullable=False, server_default="2"),
    Column("thank_you", Boolean, nullable=False, server_default="true"),
    Column("without_email", String(16), nullable=False, server_default="letters"),
    Column("dispute_reminder_days", Integer, nullable=False, server_default="7"),
    Column("version", Integer, nullable=False, server_default="1"),
    Column("deleted", Boolean, nullable=False, server_default="false"),
    Column("changed_by", String(200), nullable=False),
    Column("changed_at", DateTime(timezone=True), nullable=False, server_default=_now),
    PrimaryKeyConstraint("tenant", "code"),
)

# The ordered profile rules: the first whose conditions hold gives the customer's profile
# (domain.rules; conditions as rows.rule_to_json writes them).
profile_rules = Table(
    "profile_rules",
    metadata,
    Column("tenant", String(64), nullable=False),
    Column("position", Integer, nullable=False),
    Column("profile", String(64), nullable=False),
    Column("scenario", String(64)),  # over the profile's
    Column("conditions", JSONB, nullable=False),
    Column("changed_by", String(200), nullable=False),
    Column("changed_at", DateTime(timezone=True), nullable=False, server_default=_now),
    PrimaryKeyConstraint("tenant", "position"),
)

scenario_versions = Table(
    "scenario_versions",
    metadata,
    Column("tenant", String(64), nullable=False),
    Column("code", String(64), nullable=False),
    Column("version", Integer, nullable=False),
    Column("name", String(200), nullable=False),
    Column("steps", JSONB, nullable=False),
    Column("amicable_days", Integer, nullable=False),
    Column("deleted", Boolean, nullable=False, server_default="false"),
    Column("changed_by", String(200), nullable=False),
    Column("changed_at", DateTime(timezone=True), nullable=False, server_default=_now),
    Column("change", Text, nullable=False, server_default=""),
    PrimaryKeyConstraint("tenant", "code", "version"),
)

customers = Table(
    "customers",
    metadata,
    Column("tenant", String(64), nullable=False),
    Column("customer_ref", String(100), nullable=False),
    Column("version", Integer, nullable=False, server_default="0"),
    Column("name", String(300), nullable=False, server_default=""),
    Column("segment", String(32), nullable=False, server_default="sme"),
    Column("country", String(2), nullable=False, server_default="FR"),
    Column("language", String(16), nullable=False, server_default="fr"),
    Column("timezone", String(64), nullable=False, server_default="Europe/Paris"),
    Column("email", String(320)),
    Column("email_ok", Boolean, nullable=False, server_default="true"),
    Column("phone", String(32)),
    Column("phone_ok", Boolean, nullable=False, server_default="true"),
    Column("address", JSONB),
    Column("address_ok", Boolean, nullable=False, server_default="true"),
    Column("sales_rep_email", String(320)),
    # the people to reach by role (CustomerUpserted.contacts, the dunning contact among
    # them), each with the scheduler's own email_ok / phone_ok
    Column("contacts", JSONB, nullable=False, server_default=text("'[]'::jsonb")),
    # excluded by the ledger (``excluded_from_dunning``) or by staff (an active exclusion):
    # kept apart so that neither undoes the other; ``excluded`` is either
    Column("ledger_excluded", Boolean, nullable=False, server_default="false"),
    Column("staff_excluded", Boolean, nullable=False, server_default="false"),
    Column(
        "excluded",
        Boolean,
        Computed("ledger_excluded OR staff_excluded", persisted=True),
        nullable=False,
    ),
    # the contact a collector got on a call (kept when the ledger's event brings none)
    Column("collected_email", String(320)),
    Column("collected_phone", String(32)),
    # the cause of lateness a call's outcome last recorded (domain.casework.LatenessCause)
    Column("last_cause", String(32)),
    Column("last_cause_at", DateTime(timezone=True)),
    Column("explicit_profile", String(64)),
    Column("profile", String(64), nullable=False, server_default="standard"),
    Column("payment_method", String(16)),  # from the ledger, for the profile rules
    Column("risk_class", String(32)),
    Column("own_scenario", String(64)),  # chosen by staff for this customer, over all else
    Column("rule_scenario", String(64)),  # the matching rule's, over the profile's
    Column("case_id", String(64)),
    Column("case_state", String(16), nullable=False, server_default="none"),
    Column("case_version", Integer, nullable=False, server_default="0"),
    # per customer: the offset of the last step done for the customer (its level), and when
    Column("level_offset", Integer),
    Column("level_on", Date),
    Column("next_due_at", DateTime(timezone=True)),
    PrimaryKeyConstraint("tenant", "customer_ref"),
    Index(
        "ix_customers_next_due_at", "next_due_at", postgresql_where=text("next_due_at IS NOT NULL")
    ),
)

tracks = Table(
    "tracks",
    metadata,
    Column("tenant", String(64), nullable=False),
    Column("invoice_number", String(100), nullable=False),
    Column("customer_ref", String(100), nullable=False),
    Column("invoice_version", Integer, nullable=False),
    Column("issue_date", Date, nullable=False),
    Column("due_date", Date, nullable=False),
    Column("amount", Numeric(18, 4), nullable=False),
    Column("open_balance", Numeric(18, 4), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("status", String(32), nullable=False),
    Column("pdf_url", Text),
    Column("scenario_code", String(64), nullable=False),
    Column("state", String(16), nullable=False),
    Column("last_offset", Integer),
    Column("last_step_on", Date),  # the day the last step was done
    Column("shift_days", Integer, nullable=False, server_default="0"),
    Column("path", String(32), nullable=False, server_default="scenario"),
    Column("path_anchor", Date),
    Column("due_at", DateTime(timezone=True)),
    Column("pause_until", Date),
    Column("paused_on", Date),
    Column("excluded", Boolean, nullable=False, server_default="false"),
    PrimaryKeyConstraint("tenant", "invoice_number"),
    Index("ix_tracks_customer", "tenant", "customer_ref"),
)

timeline = Table(
    "timeline",
    metadata,
    Column("id", BigInteger, Identity(always=True), primary_key=True),
    Column("tenant", String(64), nullable=False),
    Column("customer_ref", String(100), nullable=False),
    Column("case_id", String(64)),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("kind", String(32), nullable=False),  # done, skipped, pending, task, anomaly, ...
    Column("channel", String(32)),
    Column("step", String(64)),
    Column("template", String(64)),
    Column("invoice_numbers", ARRAY(String(100)), nullable=False),
    Column("command_key", String(200)),
    Column("detail", Text, nullable=False, server_default=""),
    Index("ix_timeline_customer", "tenant", "customer_ref", "at"),
    Index(
        "ix_timeline_command_key", "command_key", postgresql_where=text("command_key IS NOT NULL")
    ),
)

channel_days = Table(
    "channel_days",
    metadata,
    Column("tenant", String(64), nullable=False),
    Column("customer_ref", String(100), nullable=False),
    Column("channel", String(32), nullable=False),
    Column("day", Date, nullable=False),
    PrimaryKeyConstraint("tenant", "customer_ref", "day", "channel"),
)

deferred = Table(
    "deferred",
    metadata,
    Column("tenant", String(64), nullable=False),
    Column("command_key", String(200), nullable=False),
    Column("customer_ref", String(100), nullable=False),
    Column("case_id", String(64)),
    Column("channel", String(32), nullable=False),
    Column("template", String(64), nullable=False),
    Column("step", String(64), nullable=False),
    Column("invoice_numbers", ARRAY(String(100)), nullable=False),
    Column("balances", JSONB, nullable=False),  # invoice number -> open balance as sent
    Column("context", JSONB, nullable=False),
    Column("due_at", DateTime(timezone=True), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    # a scenario act sent again (its provider failed): only for invoices still active then
    Column("resend", Boolean, nullable=False, server_default=text("false")),
    # a thank-you: the payments it lists (payment_ref, paid_on, amount, currency)
    Column("payments", JSONB, nullable=False, server_default=text("'[]'::jsonb")),
    PrimaryKeyConstraint("tenant", "command_key"),
    Index("ix_deferred_customer", "tenant", "customer_ref"),
)

validations = Table(
    "validations",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("tenant", String(64), nullable=False),
    Column("customer_ref", String(100), nullable=False),
    Column("case_id", String(64)),
    Column("channel", String(32), nullable=False),
    Column("step", String(64), nullable=False),
    Column("offset_days", Integer, nullable=False),
    Column("template", String(64), nullable=False),
    Column("scenario_code", String(64), nullable=False),
    Column("invoice_numbers", ARRAY(String(100)), nullable=False),
    Column("day", Date, nullable=False),
    Column("status", String(16), nullable=False, server_default="pending"),
    Column("note", Text, nullable=False, server_default=""),  # why a person must decide
    Column("decided_by", String(200)),
    Column("decided_at", DateTime(timezone=True)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_validations_pending", "tenant", "status"),
)

tasks = Table(
    "tasks",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("tenant", String(64), nullable=False),
    Column("customer_ref", String(100), nullable=False),
    Column("case_id", String(64)),
    Column("kind", String(32), nullable=False),
    Column("step", String(64)),
    Column("due_on", Date, nullable=False),
    Column("assignee", String(320)),
    Column("invoice_numbers", ARRAY(String(100)), nullable=False),
    Column("amount", Numeric(18, 4)),
    Column("currency", String(3)),
    Column("note", Text, nullable=False, server_default=""),
    Column("status", String(16), nullable=False, server_default="open"),
    Column("outcome", String(32)),
    Column("outcome_detail", JSON),
    Column("cause", String(32)),  # a call's cause of lateness (domain.casework.LatenessCause)
    Column("dispute_id", String(64)),  # a dispute's task and its owner's reminders
    Column("done_by", String(200)),
    Column("done_at", DateTime(timezone=True)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_tasks_open", "tenant", "status", "due_on"),
    Index(
        "uq_tasks_one_open_per_kind",
        "tenant",
        "customer_ref",
        "kind",
        unique=True,
        postgresql_where=text("status = 'open' AND kind IN ('complete_record', 'fix_contact')"),
    ),
    Index(  # a customer without an email: a collector is asked for one once
        "uq_tasks_collect_email_once",
        "tenant",
        "customer_ref",
        unique=True,
        postgresql_where=text("kind = 'collect_email'"),
    ),
    Index("ix_tasks_causes", "tenant", "done_at", postgresql_where=text("cause IS NOT NULL")),
)

disputes = Table(
    "disputes",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("tenant", String(64), nullable=False),
    Column("customer_ref", String(100), nullable=False),
    Column("invoice_number", String(100), nullable=False),
    Column("reason", String(32), nullable=False),
    Column("message", Text, nullable=False, server_default=""),
    Column("source", String(16), nullable=False),
    Column("status", String(16), nullable=False, server_default="open"),
    Column("opened_at", DateTime(timezone=True), nullable=False),
    Column("opened_by", String(200), nullable=False),
    Column("resolved_at", DateTime(timezone=True)),
    Column("resolved_by", String(200)),
    Column("resolution", Text),
    Column("reminded_on", Date),  # the owner's last reminder (every dispute_reminder_days)
    Index("ix_disputes_invoice", "tenant", "invoice_number"),
    Index("ix_disputes_open", "status", postgresql_where=text("status = 'open'")),
)

exclusions = Table(
    "exclusions",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("tenant", String(64), nullable=False),
    Column("customer_ref", String(100), nullable=False),
    Column("invoice_number", String(100), nullable=False, server_default=""),  # '': the customer
    Column("reason", Text, nullable=False),
    Column("set_by", String(200), nullable=False),
    Column("set_at", DateTime(timezone=True), nullable=False),
    Column("until", Date),  # automation resumes on this day (the customer's), None: until lifted
    Column("status", String(16), nullable=False, server_default="active"),  # lifted, lapsed
    Column("ended_by", String(200)),
    Column("ended_at", DateTime(timezone=True)),
    Index("ix_exclusions_customer", "tenant", "customer_ref"),
    Index(
        "uq_exclusions_one_active",
        "tenant",
        "customer_ref",
        "invoice_number",
        unique=True,
        postgresql_where=text("status = 'active'"),
    ),
    Index(
        "ix_exclusions_until",
        "until",
        postgresql_where=text("status = 'active' AND until IS NOT NULL"),
    ),
)

promises = Table(
    "promises",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("tenant", String(64), nullable=False),
    Column("customer_ref", String(100), nullable=False),
    Column("invoice_numbers", ARRAY(String(100)), nullable=False),
    Column("promised_date", Date, nullable=False),
    Column("amount", Numeric(18, 4)),
    Column("currency", String(3)),
    Column("source", String(16), nullable=False),
    Column("status", String(16), nullable=False, server_default="open"),
    Column("made_at", DateTime(timezone=True), nullable=False),
    Column("made_by", String(200), nullable=False),
)

clock = Table(
    "clock",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("now", DateTime(timezone=True), nullable=False),
)
