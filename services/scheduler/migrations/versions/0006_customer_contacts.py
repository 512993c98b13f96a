"""the people to reach at a customer, by role, as the ledger publishes them

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 20:30:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB


revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

S = 'scheduler'


def upgrade() -> None:
    # CustomerUpserted.contacts, each with the scheduler's own email_ok / phone_ok
    op.add_column(
        'customers',
        sa.Column('contacts', JSONB, server_default=sa.text("'[]'::jsonb"), nullable=False),
        schema=S,
    )


def downgrade() -> None:
    op.drop_column('customers', 'contacts', schema=S)
