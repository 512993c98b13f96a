"""a customer's contacts with roles, its risk class, and the dunning contact collected on a call

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04

``contacts`` and ``risk_class`` come from the customer's record (import or API) and are
replaced with it; ``dunning_contact`` is written only by ``RecordDunningContact``, so the
next import from the accounting system leaves it as it is.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "customers",
        sa.Column("contacts", JSONB, nullable=False, server_default=sa.text("'[]'::jsonb")),
        schema="ledger",
    )
    op.add_column("customers", sa.Column("risk_class", sa.String(32)), schema="ledger")
    op.add_column("customers", sa.Column("dunning_contact", JSONB), schema="ledger")


def downgrade() -> None:
    for name in ("dunning_contact", "risk_class", "contacts"):
        op.drop_column("customers", name, schema="ledger")
