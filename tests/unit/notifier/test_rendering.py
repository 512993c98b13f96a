"""Rendering from templates: no I/O."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from encaisse.contracts import Money
from encaisse.contracts.common import Debtor, InvoiceLine
from encaisse.notifier.rendering import (
    DEFAULT_NAMES,
    TemplateMissing,
    TemplateRefused,
    Templates,
    check_template,
    locale_for,
    message_context,
    totals_by_currency,
)


def _line(number: str, amount: str, balance: str, currency: str = "EUR") -> InvoiceLine:
    return InvoiceLine(invoice_number=number, issue_date=date(2026, 1, 5),
                       due_date=date(2026, 2, 4),
                       amount=Money(amount=Decimal(amount), currency=currency),
                       open_balance=Money(amount=Decimal(balance), currency=currency))


INVOICES = [_line("F-1", "100.10", "100.10"), _line("F-2", "0.20", "0.10"),
            _line("U-1", "50", "25", "USD")]


def _variables(language: str = "fr", country: str = "FR", name: str = "Durand <SARL>",
               **kw) -> dict:
    debtor = Debtor(customer_ref="C1", name=name, language=language, country=country)
    return message_context(tenant="ACME", debtor=debtor, invoices=INVOICES, language=language,
                           portal_link="https://p/access/t", context=kw,
                           sender_name="ACME", today=date(2026, 2, 20))


def test_totals_are_kept_per_currency_in_decimal():
    assert totals_by_currency(INVOICES) == {
        "EUR": (Decimal("100.30"), Decimal("100.20")), "USD": (Decimal("50"), Decimal("25"))}


@pytest.mark.parametrize("name", DEFAULT_NAMES)
@pytest.mark.parametrize("language", ["fr", "en"])
def test_every_default_renders_in_french_and_english(name, language):
    rendered = Templates().render_email(name, language, _variables(language))
    assert rendered.language == language and rendered.subject
    assert "F-1" in rendered.text and "F-1" in rendered.html
    assert "https://p/access/t" in rendered.text
    sms = Templates().render_sms(name, language, _variables(language))
    assert sms.text and "\n" not in sms.text


def test_html_escapes_what_the_text_keeps_verbatim():
    templates = Templates({("first_reminder", "fr"):
                           "{% extends layout %}{% block subject %}Hello{% endblock %}"
                           "{% block message %}Bonjour {{ debtor.name }}{% endblock %}"})
    rendered = templates.render_email("first_reminder", "fr", _variables())
    assert "Bonjour Durand <SARL>" in rendered.text
    assert "<p>Bonjour Durand &lt;SARL&gt;</p>" in rendered.html


def test_a_language_without_templates_falls_back_to_english():
    assert Templates().render_email("thank_you", "de", _variables("de", "DE")).language == "en"


def test_an_unknown_template_is_missing():
    with pytest.raises(TemplateMissing):
        Templates().render_email("no_such_step", "fr", _variables())


def test_locale_combines_language_and_country():
    assert str(locale_for("en", "GB")) == "en_GB"
    assert str(locale_for("fr-BE", "BE")) == "fr_BE"
    assert str(locale_for("xx", "ZZ")) == "en"


def test_context_variables_reach_the_template():
    rendered = Templates().render_email("promise_confirmed", "en",
                                        _variables("en", promised_date="1 March 2026"))
    assert "by 1 March 2026" in rendered.text


def test_template_check_refuses_an_unknown_variable_with_its_line():
    source = ("{% extends layout %}\n{% block subject %}Hi{% endblock %}\n"
              "{% block message %}\nDear {{ customer_name }}\n{% endblock %}\n")
    with pytest.raises(TemplateRefused) as refused:
        check_template(source, _variables())
    assert refused.value.line == 4 and "customer_name" in refused.value.message


def test_template_check_refuses_a_syntax_error_with_its_line():
    source = "{% extends layout %}\n{% block subject %}Hi{% endblock %}\n{% block message %}\n{% if %}"
    with pytest.raises(TemplateRefused) as refused:
        check_template(source, _variables())
    assert refused.value.line == 4


def test_template_check_refuses_an_unknown_attribute_found_when_rendering():
    source = ("{% extends layout %}\n{% block subject %}Hi{% endblock %}\n"
              "{% block message %}\n\n{{ debtor.siren }}\n{% endblock %}\n")
    with pytest.raises(TemplateRefused) as refused:
        check_template(source, _variables())
    assert refused.value.line == 5 and "siren" in refused.value.message


def test_template_check_refuses_a_template_without_a_message():
    with pytest.raises(TemplateRefused, match="message"):
        check_template("{% extends layout %}{% block subject %}Hi{% endblock %}", _variables())


def test_the_sandbox_refuses_reaching_python_internals():
    source = ("{% extends layout %}{% block subject %}Hi{% endblock %}"
              "{% block message %}{{ debtor.__class__.__mro__ }}{% endblock %}")
    with pytest.raises(TemplateRefused):
        check_template(source, _variables())


def test_a_good_template_passes_the_check():
    check_template("{% extends layout %}{% block subject %}Hi {{ debtor.name }}{% endblock %}"
                   "{% block message %}{% for i in invoices %}{{ i.number }}{% endfor %}"
                   "{% endblock %}", _variables())


def test_template_check_refuses_a_template_that_does_not_extend_the_layout():
    with pytest.raises(TemplateRefused, match="extends layout"):
        check_template("{% block subject %}Hi{% endblock %}{% block message %}x{% endblock %}",
                       _variables())
    with pytest.raises(TemplateRefused, match="extends layout"):
        check_template('{% extends "_email.txt" %}{% block subject %}Hi{% endblock %}'
                       "{% block message %}x{% endblock %}", _variables())
