"""A rule refused the debtor's input."""

from __future__ import annotations

from encaisse.kit.failures import DomainError


class Refused(DomainError):
    """A rule refused the debtor's input: ``kind`` names the words shown (see ``i18n``)."""

    def __init__(self, field: str, kind: str, message: str, **params: object) -> None:
        super().__init__(field, message, kind)
        self.params = params
