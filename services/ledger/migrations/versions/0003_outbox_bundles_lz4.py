"""outbox bodies compressed with lz4 (bundles of a chunk's events)

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01

An import writes a chunk's events as one bundle row of several megabytes; PostgreSQL's
default compression (pglz) took longer than writing them uncompressed. lz4 is used when
the server was built with it, else the body is stored uncompressed.
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
        DO $$ BEGIN
            ALTER TABLE ledger.outbox ALTER COLUMN body SET COMPRESSION lz4;
        EXCEPTION WHEN feature_not_supported THEN
            ALTER TABLE ledger.outbox ALTER COLUMN body SET STORAGE EXTERNAL;
        END $$
    """)


def downgrade() -> None:
    op.execute("ALTER TABLE ledger.outbox ALTER COLUMN body SET COMPRESSION default")
    op.execute("ALTER TABLE ledger.outbox ALTER COLUMN body SET STORAGE EXTENDED")
