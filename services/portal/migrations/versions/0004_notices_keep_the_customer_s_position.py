"""notices keep the customer's position

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04 20:15:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql


revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        'notices',
        sa.Column(
            'position',
            postgresql.JSONB(astext_type=sa.Text()),
            nullable=True,
            comment='the account statement the notice was sent with (contracts Position)',
        ),
        schema='portal',
    )


def downgrade() -> None:
    op.drop_column('notices', 'position', schema='portal')
