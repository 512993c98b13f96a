"""What the debtor's forms answer: the form again naming the field at fault, or a
confirmation with the act's reference."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse

from encaisse.kit.failures import DomainError
from encaisse.portal.api.deps import SignedInDebtor
from encaisse.portal.web import render


def refused(
    request: Request, template: str, debtor: SignedInDebtor, error: DomainError, **context: Any
) -> HTMLResponse:
    """The form again, with the field at fault named, and status 422."""
    return render(
        request,
        template,
        debtor.lang,
        status_code=422,
        debtor=debtor,
        error=error,
        error_field=error.field[-1],
        **context,
    )


def done(request: Request, debtor: SignedInDebtor, what: str, reference: str) -> HTMLResponse:
    return render(request, "done.html", debtor.lang, debtor=debtor, what=what, reference=reference)
