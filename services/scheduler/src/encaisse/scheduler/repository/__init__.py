"""All SQL of the scheduler (with ``db``, the only modules that use SQLAlchemy for more
than a type): one module per kind of row, and the day run's set-based statements."""
