"""All SQL of the ledger: one module per aggregate, the set-based invoice paths, the figures.

With ``db`` (the tables), the only modules that import SQLAlchemy for more than a type.
"""

from sqlalchemy.ext.asyncio import AsyncSession

Session = AsyncSession
"""What a read takes: a session of the runtime (routes get one from ``api.deps``)."""

__all__ = ["Session"]
