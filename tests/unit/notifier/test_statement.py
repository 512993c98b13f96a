"""The account statement in emails and SMS: the customer's whole position, rendered. No I/O."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest

from encaisse.contracts import Money
from encaisse.contracts.common import Debtor, InvoiceLine, Position, PositionLine
from encaisse.notifier.domain.content import message_context
from encaisse.notifier.rendering import Templates, check_template
from encaisse.notifier.usecases.templates import sample_variables

AS_OF = date(2026, 2, 20)
NNBSP, NBSP = "\u202f", "\xa0"


def _money(amount: str, currency: str = "EUR") -> Money:
    return Money(amount=Decimal(amount), currency=currency)


def _line(number: str, days_overdue: int, balance: str, currency: str = "EUR") -> PositionLine:
    return PositionLine(
        invoice_number=number,
        issue_date=date(2026, 1, 5),
        due_date=AS_OF - timedelta(days=days_overdue),
        amount=_money(balance, currency),
        open_balance=_money(balance, currency),
        days_overdue=days_overdue,
    )


POSITION = Position(
    as_of=AS_OF,
    overdue=(_line("F-1", 16, "1234.50"), _line("F-2", 1, "10.00"), _line("U-1", 10, "50", "USD")),
    soon_due=(_line("F-3", 0, "5.00"), _line("F-4", -8, "7.00")),
    overdue_totals=(_money("1244.50"), _money("50", "USD")),
    outstanding_totals=(_money("1256.50"), _money("50", "USD")),
)
# what the step itself concerns: the layouts print the statement in its place
STEP_INVOICE = InvoiceLine(
    invoice_number="F-1",
    issue_date=date(2026, 1, 5),
    due_date=date(2026, 2, 4),
    amount=_money("1234.50"),
    open_balance=_money("1234.50"),
)


def _variables(language: str, position: Position | None = POSITION, country: str = "FR") -> dict:
    return message_context(
        tenant="ACME",
        debtor=Debtor(customer_ref="C1", name="Durand SARL", language=language, country=country),
        invoices=(STEP_INVOICE,),
        language=language,
        portal_link="https://p/access/t",
        context={},
        sender_name="ACME",
        today=AS_OF,
        position=position,
    )


STATEMENTS = {
    "fr": {
        "heading": "Relevé de compte au 20 février 2026",
        "overdue": "Factures échues (3) :",
        "soon": "Factures à échoir (2) :",
        "lines": [
            "- Facture F-1, date 05/01/2026, échéance 04/02/2026 : montant 1\u202f234,50\xa0€, "
            "reste dû 1\u202f234,50\xa0€, 16 jours de retard",
            "- Facture F-2, date 05/01/2026, échéance 19/02/2026 : montant 10,00\xa0€, "
            "reste dû 10,00\xa0€, 1 jour de retard",
            "- Facture U-1, date 05/01/2026, échéance 10/02/2026 : montant 50,00\xa0$US, "
            "reste dû 50,00\xa0$US, 10 jours de retard",
            "- Facture F-3, date 05/01/2026, échéance 20/02/2026 : montant 5,00\xa0€, "
            "reste dû 5,00\xa0€, échéance aujourd'hui",
            "- Facture F-4, date 05/01/2026, échéance 28/02/2026 : montant 7,00\xa0€, "
            "reste dû 7,00\xa0€, échéance dans 8 jours",
        ],
        "totals": [
            "Total échu (EUR) : 1\u202f244,50\xa0€",
            "Total échu (USD) : 50,00\xa0$US",
            "Total restant dû (EUR) : 1\u202f256,50\xa0€",
            "Total restant dû (USD) : 50,00\xa0$US",
        ],
        "cells": [
            '<td align="right">1\u202f234,50\xa0€</td><td align="right">16 jours</td></tr>',
            '<td align="right">10,00\xa0€</td><td align="right">1 jour</td></tr>',
            '<td align="right">5,00\xa0€</td><td align="right">aujourd&#39;hui</td></tr>',
            '<td align="right">7,00\xa0€</td><td align="right">8 jours</td></tr>',
            '<th align="right">Retard</th>',
            '<th align="right">Échéance dans</th>',
            '<tr><td>Total restant dû (USD)</td><td align="right">50,00\xa0$US</td></tr>',
        ],
        # an SMS has plain spaces (no-break ones would take it out of the GSM alphabet)
        "sms": "Total échu : 1 244,50 €, 50,00 $US.",
    },
    "en": {
        "heading": "Account statement as of 20 February 2026",
        "overdue": "Overdue invoices (3):",
        "soon": "Invoices coming due (2):",
        "lines": [
            "- Invoice F-1, date 05/01/2026, due date 04/02/2026: amount €1,234.50, "
            "open balance €1,234.50, 16 days overdue",
            "- Invoice F-2, date 05/01/2026, due date 19/02/2026: amount €10.00, "
            "open balance €10.00, 1 day overdue",
            "- Invoice U-1, date 05/01/2026, due date 10/02/2026: amount US$50.00, "
            "open balance US$50.00, 10 days overdue",
            "- Invoice F-3, date 05/01/2026, due date 20/02/2026: amount €5.00, "
            "open balance €5.00, due today",
            "- Invoice F-4, date 05/01/2026, due date 28/02/2026: amount €7.00, "
            "open balance €7.00, due in 8 days",
        ],
        "totals": [
            "Total overdue (EUR): €1,244.50",
            "Total overdue (USD): US$50.00",
            "Total outstanding (EUR): €1,256.50",
            "Total outstanding (USD): US$50.00",
        ],
        "cells": [
            '<td align="right">€1,234.50</td><td align="right">16 days</td></tr>',
            '<td align="right">€10.00</td><td align="right">1 day</td></tr>',
            '<td align="right">€5.00</td><td align="right">today</td></tr>',
            '<td align="right">€7.00</td><td align="right">8 days</td></tr>',
            '<th align="right">Overdue</th>',
            '<th align="right">Due in</th>',
            '<tr><td>Total outstanding (USD)</td><td align="right">US$50.00</td></tr>',
        ],
        "sms": "Total overdue: €1,244.50, US$50.00.",
    },
}


@pytest.mark.parametrize("name", ["courtesy_reminder", "first_reminder", "third_reminder"])
@pytest.mark.parametrize("language", ["fr", "en"])
def test_an_email_with_a_position_shows_the_whole_statement_in_text_and_html(name, language):
    said = STATEMENTS[language]
    rendered = Templates().render_email(
        name, language, _variables(language, country="GB" if language == "en" else "FR")
    )
    text = rendered.text
    # in order: the heading, the overdue invoices, those soon due, then the totals
    expected = [said["heading"], said["overdue"], *said["lines"][:3], said["soon"]]
    expected += [*said["lines"][3:], *said["totals"]]
    positions = [text.index(part) for part in expected]
    assert positions == sorted(positions)
    assert text.index(said["totals"][-1]) < text.index("https://p/access/t")
    html = rendered.html
    assert said["heading"] in html
    assert all(cell in html for cell in said["cells"])
    for number in ("F-1", "F-2", "U-1", "F-3", "F-4"):
        assert text.count(f" {number},") == 1 and html.count(f"<td>{number}</td>") == 1
    # the statement replaces the command's invoice table: no second list, no other totals
    assert "Factures concernées" not in text and "Invoices concerned" not in text
    assert "<tfoot>" not in html


@pytest.mark.parametrize("language", ["fr", "en"])
def test_without_a_position_the_email_keeps_the_invoice_table(language):
    rendered = Templates().render_email("first_reminder", language, _variables(language, None))
    concerned = {"fr": "Factures concernées :", "en": "Invoices concerned:"}[language]
    assert concerned in rendered.text and "<tfoot>" in rendered.html
    assert STATEMENTS[language]["heading"] not in rendered.text
    assert "Relevé de compte" not in rendered.html and "Account statement" not in rendered.html


def test_a_position_without_any_invoice_leaves_the_command_s_invoice_table():
    empty = Position(as_of=AS_OF)
    rendered = Templates().render_email("first_reminder", "fr", _variables("fr", empty))
    assert "Factures concernées :" in rendered.text and "Relevé de compte" not in rendered.text
    sms = Templates().render_sms("first_reminder", "fr", _variables("fr", empty))
    assert "Total" not in sms.text


@pytest.mark.parametrize("language", ["fr", "en"])
def test_an_sms_with_a_position_says_the_overdue_totals_in_one_line(language):
    sms = Templates().render_sms(
        "first_reminder", language, _variables(language, country="GB" if language == "en" else "FR")
    )
    assert sms.text.startswith("Durand SARL") and "\n" not in sms.text
    assert sms.text.endswith(" " + STATEMENTS[language]["sms"])
    without = Templates().render_sms("first_reminder", language, _variables(language, None))
    assert "Total" not in without.text


def test_an_sms_of_a_position_with_nothing_overdue_adds_nothing():
    coming = POSITION.model_copy(update={"overdue": (), "overdue_totals": ()})
    sms = Templates().render_sms("courtesy_reminder", "fr", _variables("fr", coming))
    assert "Total" not in sms.text and "€" not in sms.text
    email = Templates().render_email("courtesy_reminder", "fr", _variables("fr", coming))
    assert "Factures échues" not in email.text and "Factures à échoir (2) :" in email.text
    assert "Total échu" not in email.text and "Total restant dû (EUR)" in email.text


def test_a_statement_of_200_invoices_renders_whole_and_stays_readable():
    """Every overdue invoice is listed (none left out), one line each in the text, and the
    HTML stays under the 102 KB past which Gmail clips a message (the totals would be cut)."""
    overdue = tuple(_line(f"F-{n:04d}", 200 - n, f"{1000 + n}.25") for n in range(200))
    big = Position(
        as_of=AS_OF,
        overdue=overdue,
        soon_due=(_line("F-9999", -3, "99.00"),),
        overdue_totals=(_money(str(sum(Decimal(f"{1000 + n}.25") for n in range(200)))),),
        outstanding_totals=(_money("220049.00"),),
    )
    rendered = Templates().render_email("second_reminder", "fr", _variables("fr", big))
    lines = rendered.text.splitlines()
    listed = [line for line in lines if line.startswith("- Facture F-")]
    assert [re.search(r"F-\d{4}", line)[0] for line in listed] == [
        *(f"F-{n:04d}" for n in range(200)),
        "F-9999",
    ]
    assert all(len(line) < 140 for line in listed)
    assert "- Facture F-0000," in rendered.text and "200 jours de retard" in rendered.text
    assert "Factures échues (200) :" in rendered.text
    assert "Total échu (EUR) : 219\u202f950,00\xa0€" in rendered.text
    assert "Total restant dû (EUR) : 220\u202f049,00\xa0€" in rendered.text
    html = rendered.html
    assert html.count("<tr><td>F-") == 201
    assert len(html.encode()) < 102 * 1024
    assert html.index("<td>F-0199</td>") < html.index("Total échu (EUR)")


def test_a_tenant_template_may_use_the_statement_and_is_checked_on_a_sample_position():
    source = (
        "{% extends layout %}{% block subject %}Relevé{% endblock %}"
        "{% block message %}{% for line in statement.overdue %}{{ line.number }} "
        "{{ line.days_overdue }}{% endfor %}{% endblock %}"
    )
    check_template(source, sample_variables("ACME"))
    rendered = Templates({("first_reminder", "fr"): source}).render_email(
        "first_reminder", "fr", _variables("fr")
    )
    assert rendered.text.startswith("F-1 16F-2 1U-1 10")
