"""dunning per customer: profile policies, the case level, steps counted from the previous one

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04 20:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

S = 'scheduler'


def upgrade() -> None:
    for name, column in (
        ('mode', sa.Column('mode', sa.String(16), server_default='per_customer', nullable=False)),
        ('min_gap_days', sa.Column('min_gap_days', sa.Integer(), server_default='7',
                                   nullable=False)),
        ('contacts_per_week', sa.Column('contacts_per_week', sa.Integer(), server_default='2',
                                        nullable=False)),
        ('thank_you', sa.Column('thank_you', sa.Boolean(), server_default='true',
                                nullable=False)),
        ('without_email', sa.Column('without_email', sa.String(16), server_default='letters',
                                    nullable=False)),
        ('dispute_reminder_days', sa.Column('dispute_reminder_days', sa.Integer(),
                                            server_default='7', nullable=False)),
    ):
        op.add_column('profiles', column, schema=S)
    # the case level: the offset of the last step done for the customer, and its day
    op.add_column('customers', sa.Column('level_offset', sa.Integer()), schema=S)
    op.add_column('customers', sa.Column('level_on', sa.Date()), schema=S)
    # the day a track's last step was done (steps counted from the previous step)
    op.add_column('tracks', sa.Column('last_step_on', sa.Date()), schema=S)
    op.add_column('validations', sa.Column('note', sa.Text(), server_default='',
                                           nullable=False), schema=S)
    op.create_index('uq_tasks_collect_email_once', 'tasks', ['tenant', 'customer_ref'],
                    unique=True, schema=S, postgresql_where=sa.text("kind = 'collect_email'"))


def downgrade() -> None:
    op.drop_index('uq_tasks_collect_email_once', table_name='tasks', schema=S)
    op.drop_column('validations', 'note', schema=S)
    op.drop_column('tracks', 'last_step_on', schema=S)
    op.drop_column('customers', 'level_on', schema=S)
    op.drop_column('customers', 'level_offset', schema=S)
    for name in ('dispute_reminder_days', 'without_email', 'thank_you', 'contacts_per_week',
                 'min_gap_days', 'mode'):
        op.drop_column('profiles', name, schema=S)
