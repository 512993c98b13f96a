"""Domain errors: a business rule refused something, naming the field at fault.

Pure (no web framework): raised by domain rules, use cases and handlers alike. ``field``
is a path inside the input (``("allocations", 2, "invoice_number")``), not a request
location: the HTTP edge (``encaisse.kit.errors``) places it in the path, the query or the
body and chooses the status (422, 404, 409); a bus handler dead-letters with it.
"""

from __future__ import annotations

Field = str | int
Path = tuple[Field, ...]


class DomainError(Exception):
    """The input breaks a rule (HTTP 422)."""

    def __init__(self, field: Field | Path, message: str, kind: str = "value_error"):
        super().__init__(message)
        self.field: Path = field if isinstance(field, tuple) else (field,)
        self.message = message
        self.kind = kind


class NotFound(DomainError):
    """What the input names does not exist (HTTP 404)."""


class Conflict(DomainError):
    """The input is valid but the state of what it names refuses it (HTTP 409)."""
