"""casework: staff exclusions apart from the ledger's flag, dispute owner reminders,
causes of lateness, contacts collected on a call

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 20:30:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

S = 'scheduler'


def upgrade() -> None:
    # a customer is excluded when the ledger says so or staff did: two flags, one derived
    op.add_column('customers', sa.Column('ledger_excluded', sa.Boolean(),
                                         server_default='false', nullable=False), schema=S)
    op.add_column('customers', sa.Column('staff_excluded', sa.Boolean(),
                                         server_default='false', nullable=False), schema=S)
    op.execute('UPDATE scheduler.customers SET ledger_excluded = excluded')
    op.drop_column('customers', 'excluded', schema=S)
    op.add_column('customers', sa.Column(
        'excluded', sa.Boolean(), sa.Computed('ledger_excluded OR staff_excluded', persisted=True),
        nullable=False), schema=S)
    op.add_column('customers', sa.Column('last_cause', sa.String(32)), schema=S)
    op.add_column('customers', sa.Column('last_cause_at', sa.DateTime(timezone=True)), schema=S)
    op.add_column('customers', sa.Column('collected_email', sa.String(320)), schema=S)
    op.add_column('customers', sa.Column('collected_phone', sa.String(32)), schema=S)
    op.create_table(
        'exclusions',
        sa.Column('id', sa.String(64), primary_key=True),
        sa.Column('tenant', sa.String(64), nullable=False),
        sa.Column('customer_ref', sa.String(100), nullable=False),
        sa.Column('invoice_number', sa.String(100), nullable=False, server_default=''),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('set_by', sa.String(200), nullable=False),
        sa.Column('set_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('until', sa.Date()),
        sa.Column('status', sa.String(16), nullable=False, server_default='active'),
        sa.Column('ended_by', sa.String(200)),
        sa.Column('ended_at', sa.DateTime(timezone=True)),
        schema=S,
    )
    op.create_index('ix_exclusions_customer', 'exclusions', ['tenant', 'customer_ref'], schema=S)
    op.create_index('uq_exclusions_one_active', 'exclusions',
                    ['tenant', 'customer_ref', 'invoice_number'], unique=True, schema=S,
                    postgresql_where=sa.text("status = 'active'"))
    op.create_index('ix_exclusions_until', 'exclusions', ['until'], schema=S,
                    postgresql_where=sa.text("status = 'active' AND until IS NOT NULL"))
    # staff's exclusions from before: the customers whose last exclusion act in the timeline
    # was staff's "excluded" keep it as an exclusion of their own (the ledger's flag may say
    # the same: its next event sets ledger_excluded right)
    op.execute("""
        INSERT INTO scheduler.exclusions (id, tenant, customer_ref, invoice_number, reason,
                                          set_by, set_at)
        SELECT gen_random_uuid()::text, l.tenant, l.customer_ref, '',
               'set before exclusions had a reason', coalesce(nullif(
                   regexp_replace(l.detail, '^by ', ''), ''), 'staff'), l.at
        FROM (SELECT DISTINCT ON (t.tenant, t.customer_ref) t.*
              FROM scheduler.timeline t
              WHERE t.kind IN ('excluded', 'included') AND t.invoice_numbers = '{}'
              ORDER BY t.tenant, t.customer_ref, t.at DESC, t.id DESC) l
        JOIN scheduler.customers c ON c.tenant = l.tenant AND c.customer_ref = l.customer_ref
        WHERE l.kind = 'excluded' AND c.ledger_excluded
    """)
    op.execute("""
        UPDATE scheduler.customers c SET staff_excluded = true
        FROM scheduler.exclusions e
        WHERE e.tenant = c.tenant AND e.customer_ref = c.customer_ref
          AND e.invoice_number = '' AND e.status = 'active'
    """)
    op.execute("""
        INSERT INTO scheduler.exclusions (id, tenant, customer_ref, invoice_number, reason,
                                          set_by, set_at)
        SELECT gen_random_uuid()::text, t.tenant, t.customer_ref, t.invoice_number,
               'set before exclusions had a reason', 'staff', now()
        FROM scheduler.tracks t WHERE t.excluded
    """)
    op.add_column('tasks', sa.Column('cause', sa.String(32)), schema=S)
    op.add_column('tasks', sa.Column('dispute_id', sa.String(64)), schema=S)
    op.create_index('ix_tasks_causes', 'tasks', ['tenant', 'done_at'], schema=S,
                    postgresql_where=sa.text('cause IS NOT NULL'))
    # one collect_email task per customer: uq_tasks_collect_email_once, in 0005
    op.add_column('disputes', sa.Column('reminded_on', sa.Date()), schema=S)
    op.create_index('ix_disputes_open', 'disputes', ['status'], schema=S,
                    postgresql_where=sa.text("status = 'open'"))


def downgrade() -> None:
    op.drop_index('ix_disputes_open', 'disputes', schema=S)
    op.drop_column('disputes', 'reminded_on', schema=S)
    op.drop_index('ix_tasks_causes', 'tasks', schema=S)
    op.drop_column('tasks', 'dispute_id', schema=S)
    op.drop_column('tasks', 'cause', schema=S)
    op.drop_table('exclusions', schema=S)
    for name in ('collected_phone', 'collected_email', 'last_cause_at', 'last_cause'):
        op.drop_column('customers', name, schema=S)
    op.drop_column('customers', 'excluded', schema=S)
    op.add_column('customers', sa.Column('excluded', sa.Boolean(), server_default='false',
                                         nullable=False), schema=S)
    op.execute('UPDATE scheduler.customers SET excluded = ledger_excluded OR staff_excluded')
    op.drop_column('customers', 'staff_excluded', schema=S)
    op.drop_column('customers', 'ledger_excluded', schema=S)
