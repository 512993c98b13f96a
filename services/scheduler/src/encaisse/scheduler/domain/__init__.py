"""The scheduler's pure rules: no I/O, tested without a database."""
