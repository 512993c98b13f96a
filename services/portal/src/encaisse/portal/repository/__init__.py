"""All the SQL of the portal (with ``db``, the only modules that use SQLAlchemy for more
than a type): every read of a debtor's data is bound to the session's tenant and customer."""
