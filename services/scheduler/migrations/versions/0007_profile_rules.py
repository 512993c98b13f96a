"""profile rules, a customer's own scenario, its payment method and risk class, the tenant's
language, the payments a waiting thank-you lists

Revision ID: 0007
Revises: 0005
Create Date: 2026-12-04 20:30:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql


revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

S = 'scheduler'

# A tenant seeded before the rules keeps the choice it had: abroad -> export, then each
# profile listing the segment (in the order of their codes, as the choice read them).
EXISTING_TENANTS_RULES = """
INSERT INTO scheduler.profile_rules (tenant, position, profile, conditions, changed_by)
SELECT p.tenant, 0, p.code, '{"abroad": true}'::jsonb, 'system (migration)'
FROM scheduler.profiles p WHERE p.code = 'export' AND NOT p.deleted
UNION ALL
SELECT p.tenant, row_number() OVER (PARTITION BY p.tenant ORDER BY p.code), p.code,
       jsonb_build_object('segments', to_jsonb(p.segments)), 'system (migration)'
FROM scheduler.profiles p WHERE NOT p.deleted AND cardinality(p.segments) > 0
"""


def upgrade() -> None:
    op.create_table(
        'profile_rules',
        sa.Column('tenant', sa.String(64), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('profile', sa.String(64), nullable=False),
        sa.Column('scenario', sa.String(64)),
        sa.Column('conditions', postgresql.JSONB(), nullable=False),
        sa.Column('changed_by', sa.String(200), nullable=False),
        sa.Column('changed_at', sa.DateTime(timezone=True), server_default=sa.func.now(),
                  nullable=False),
        sa.PrimaryKeyConstraint('tenant', 'position'),
        schema=S,
    )
    op.execute(EXISTING_TENANTS_RULES)
    op.add_column('customers', sa.Column('payment_method', sa.String(16)), schema=S)
    op.add_column('customers', sa.Column('risk_class', sa.String(32)), schema=S)
    op.add_column('customers', sa.Column('own_scenario', sa.String(64)), schema=S)
    op.add_column('customers', sa.Column('rule_scenario', sa.String(64)), schema=S)
    op.add_column('tenants', sa.Column('language', sa.String(8), server_default='fr',
                                       nullable=False), schema=S)
    op.add_column('deferred', sa.Column('payments', postgresql.JSONB(),
                                        server_default=sa.text("'[]'::jsonb"), nullable=False),
                  schema=S)


def downgrade() -> None:
    op.drop_column('deferred', 'payments', schema=S)
    op.drop_column('tenants', 'language', schema=S)
    for name in ('rule_scenario', 'own_scenario', 'risk_class', 'payment_method'):
        op.drop_column('customers', name, schema=S)
    op.drop_table('profile_rules', schema=S)
