"""deferred resend: a scenario act sent again after a provider failure

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03 12:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('deferred', sa.Column('resend', sa.Boolean(), server_default='false',
                                        nullable=False), schema='scheduler')


def downgrade() -> None:
    op.drop_column('deferred', 'resend', schema='scheduler')
