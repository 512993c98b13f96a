"""The portal's business rules, pure: no I/O, no reading of the clock (the time is a
parameter), tested without a database."""
