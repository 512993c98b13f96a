"""What a letter says: from a ``SendLetter`` command to the texts and tables to print. No I/O.

Amounts, rates and dates are written as a reader of the letter's locale writes them
(``formats``); the texts are those of the template's language (``templates``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from encaisse.contracts.letters import LetterKind, SendLetter
from encaisse.letters.domain.bodies import letter_body, notice_body
from encaisse.letters.domain.formats import letter_locale, long_date
from encaisse.letters.domain.rates import RateTable
from encaisse.letters.domain.tables import InvoiceTable, Section
from encaisse.letters.domain.templates import Labels, template

__all__ = ["InvoiceTable", "LetterContent", "Section", "Sender", "compose"]


@dataclass(frozen=True)
class Sender:
    name: str
    lines: tuple[str, ...]
    postal_code: str
    city: str
    country: str
    legal: str


@dataclass(frozen=True)
class LetterContent:
    language: str  # the template's: fr or en
    locale: str  # how amounts and dates are written: fr, en_GB...
    labels: Labels
    registered: bool
    sender: Sender
    recipient: tuple[str, ...]
    place_date: str
    reference: str
    subject: str
    salutation: str
    before_table: tuple[str, ...]
    table: InvoiceTable
    sections: tuple[Section, ...]  # after the table: the statement's other invoices
    after_sections: tuple[str, ...]  # the statement's total outstanding
    after_table: tuple[str, ...]
    portal_url: str | None
    portal_line: str | None
    closing: str
    summary: dict[str, Any]  # amounts as printed, kept with the letter


def compose(
    command: SendLetter,
    recipient: tuple[str, ...],
    sender: Sender,
    *,
    today: date,
    reference: str,
    portal_url: str | None,
    rates: RateTable,
) -> LetterContent:
    """The letter's content; ``UnknownTemplate`` or ``MissingRate`` when it cannot be said."""
    text, labels, lang = template(
        command.template, command.debtor.language, command.debtor.fallback_language
    )
    locale = letter_locale(command.debtor.language, lang)
    notice = command.formal_notice
    body = (
        notice_body(command, notice, rates, labels, locale)
        if notice is not None
        else letter_body(command, labels, locale)
    )
    fields = {
        "total": body.total,
        "portal_url": portal_url or "",
        "deadline": long_date(notice.payment_deadline, labels) if notice else "",
        "computed_on": long_date(notice.penalties_computed_on, labels) if notice else "",
    }
    after = []
    if notice is not None:
        after.append(text.penalties if notice.business_customer else text.interest)
    after.append(text.consequence)
    return LetterContent(
        language=lang,
        locale=locale,
        labels=labels,
        registered=command.kind is LetterKind.REGISTERED,
        sender=sender,
        recipient=recipient,
        place_date=labels.place_date.format(city=sender.city, date=long_date(today, labels)),
        reference=reference,
        subject=text.subject,
        salutation=text.salutation,
        before_table=(text.opening.format(**fields),),
        table=body.table,
        sections=body.sections,
        after_sections=body.after_sections,
        after_table=tuple(p.format(**fields) for p in after if p),
        portal_url=portal_url,
        portal_line=text.portal.format(**fields) if portal_url else None,
        closing=text.closing,
        summary=body.summary,
    )
