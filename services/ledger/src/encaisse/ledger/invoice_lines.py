"""A line of an invoice file checked without pydantic, for the common case only.

Validating a million lines with ``InvoiceRow`` costs about 5 µs each. Most lines are
plain: ISO dates, an amount such as ``1250.00``, a known currency, references without
spaces. ``plain_invoice`` accepts only those, with the same rules as ``InvoiceRow``,
and returns the staging record; anything else (a refused line, but also an accepted
line written differently, such as an amount with spaces around it) returns ``None``
and goes through ``InvoiceRow``, so rejections keep the API's exact messages and
whatever pydantic accepts is still accepted. A unit test checks both paths agree.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from datetime import date
from typing import Any

from encaisse.ledger.validation import currencies

FIELDS = frozenset(
    {"number", "customer_ref", "issue_date", "due_date", "amount", "currency", "pdf_url"}
)
_REF = re.compile(r"[^\s/]{1,100}").fullmatch  # ``models.Ref``; no space: nothing to strip
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}").fullmatch
# more than zero is checked after; below 1e16, two decimals at most (``positive_amount``)
_AMOUNT = re.compile(r"\d{1,16}(?:\.\d{1,2})?").fullmatch
# a plain document URL (``validation.document_url`` judges any other)
_URL = re.compile(r"https?://[A-Za-z0-9.-]+(?::\d{1,5})?(?:[/?#]\S*)?").fullmatch

StageRecord = tuple[int, str, str, str, str, str, str, str | None]


def plain_invoice(line: int, fields: dict[str, Any]) -> StageRecord | None:
    """The staging record of a plain, valid line, or ``None``: ask ``InvoiceRow``.

    Dates and amount stay text, as written (PostgreSQL casts them: ``invoice_batch``).
    """
    get = fields.get
    number, customer, issued, due, amount, currency, pdf_url = (
        get("number"),
        get("customer_ref"),
        get("issue_date"),
        get("due_date"),
        get("amount"),
        get("currency"),
        get("pdf_url"),
    )
    if not (
        type(number) is str
        and _REF(number)
        and type(customer) is str
        and _REF(customer)
        and type(issued) is str
        and _DATE(issued)
        and type(due) is str
        and _DATE(due)
        and due >= issued  # ISO dates compare as text
        and type(amount) is str
        and _AMOUNT(amount)
        and type(currency) is str
        and currency in currencies()
        and len(fields) <= len(FIELDS)
        and fields.keys() <= FIELDS
    ):
        return None
    if pdf_url is not None and (
        type(pdf_url) is not str or len(pdf_url) > 2000 or not _URL(pdf_url)
    ):
        return None
    if not amount.strip("0."):  # zero, however written
        return None
    try:
        date.fromisoformat(issued), date.fromisoformat(due)  # a real day of the calendar
    except ValueError:
        return None
    return line, number, customer, issued, due, amount, currency, pdf_url


# A cell of a plain CSV line, per column: unquoted, no comma, no quote, no surrounding space.
_CELLS = {
    "number": r"([^\s/,\"]{1,100})",
    "customer_ref": r"([^\s/,\"]{1,100})",
    "issue_date": r"(\d{4}-\d{2}-\d{2})",
    "due_date": r"(\d{4}-\d{2}-\d{2})",
    "amount": r"(\d{1,16}(?:\.\d{1,2})?)",
    "currency": r"([A-Z]{3})",
    "pdf_url": r"((?:[^\s,\"](?:[^,\"\r\n]{0,1998}[^\s,\"])?)?)",
}
_REQUIRED = ("number", "customer_ref", "issue_date", "due_date", "amount", "currency")
PlainLine = Callable[[int, str], "StageRecord | None"]


def plain_line_reader(header: list[str]) -> PlainLine | None:
    """For a CSV of invoices under ``header``, a reader of plain lines straight from the text.

    It gives the staging record of a line that needs no CSV parsing (no quote, a cell per
    column) and that ``plain_invoice`` would accept, and ``None`` for any other line, which
    then goes through the CSV reader and ``plain_invoice`` or ``InvoiceRow`` as before; a
    unit test checks both ways agree. ``None`` for a header it does not know.
    """
    if len(set(header)) != len(header) or not set(_REQUIRED) <= set(header) <= FIELDS:
        return None
    match = re.compile(",".join(_CELLS[c] for c in header) + r"\r?\n?").fullmatch
    cells_of = operator.itemgetter(*(header.index(c) for c in _REQUIRED))
    url_at = header.index("pdf_url") if "pdf_url" in header else None
    known = currencies()

    def read(line: int, text: str) -> StageRecord | None:
        found = match(text)
        if found is None:
            return None
        cells = found.groups()
        number, customer, issued, due, amount, currency = cells_of(cells)
        pdf_url = (cells[url_at] or None) if url_at is not None else None
        if (
            due < issued
            or currency not in known
            or not amount.strip("0.")
            or (pdf_url is not None and not _URL(pdf_url))
        ):
            return None
        try:
            date.fromisoformat(issued), date.fromisoformat(due)
        except ValueError:
            return None
        return line, number, customer, issued, due, amount, currency, pdf_url

    return read
