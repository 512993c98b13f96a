"""Rendering from templates: no I/O."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from encaisse.contracts import Money
from encaisse.contracts.common import Debtor, InvoiceLine, PaymentLine
from encaisse.notifier.domain.content import locale_for, message_context, totals_by_currency
from encaisse.notifier.rendering import (
    DEFAULT_NAMES,
    TemplateMissing,
    TemplateRefused,
    Templates,
    check_template,
)


def _line(number: str, amount: str, balance: str, currency: str = "EUR") -> InvoiceLine:
    return InvoiceLine(
        invoice_number=number,
        issue_date=date(2026, 1, 5),
        due_date=date(2026, 2, 4),
        amount=Money(amount=Decimal(amount), currency=currency),
        open_balance=Money(amount=Decimal(balance), currency=currency),
    )


INVOICES = [
    _line("F-1", "100.10", "100.10"),
    _line("F-2", "0.20", "0.10"),
    _line("U-1", "50", "25", "USD"),
]


def _variables(
    language: str = "fr", country: str = "FR", name: str = "Durand <SARL>", **kw
) -> dict:
    debtor = Debtor(customer_ref="C1", name=name, language=language, country=country)
    return message_context(
        tenant="ACME",
        debtor=debtor,
        invoices=INVOICES,
        language=language,
        portal_link="https://p/access/t",
        context=kw,
        sender_name="ACME",
        today=date(2026, 2, 20),
    )


def test_totals_are_kept_per_currency_in_decimal():
    assert totals_by_currency(INVOICES) == {
        "EUR": (Decimal("100.30"), Decimal("100.20")),
        "USD": (Decimal("50"), Decimal("25")),
    }


# Each default, in each language: its subject and a sentence only it says.
DEFAULTS = {
    ("courtesy_reminder", "fr"): (
        "Rappel : échéance prochaine de vos factures",
        "arrivent prochainement à échéance",
    ),
    ("first_reminder", "fr"): (
        "Relance : factures échues non réglées",
        "Sauf erreur ou omission de notre part",
    ),
    ("second_reminder", "fr"): (
        "Deuxième relance : règlement attendu sous 8 jours",
        "sous huit jours",
    ),
    ("third_reminder", "fr"): (
        "Troisième relance : dernier rappel avant mise en demeure",
        "Malgré nos deux précédentes relances",
    ),
    ("thank_you", "fr"): ("Merci pour votre règlement", "accusons réception de votre règlement"),
    ("direct_debit_rejected", "fr"): ("Rejet de prélèvement", "a été rejeté par votre banque"),
    ("dispute_acknowledged", "fr"): (
        "Votre réclamation a bien été enregistrée",
        "Nous avons bien reçu votre réclamation",
    ),
    ("promise_confirmed", "fr"): (
        "Confirmation de votre promesse de règlement",
        "votre engagement à régler",
    ),
    ("portal_link", "fr"): (
        "Votre lien d'accès à votre espace client",
        "Voici le lien vers votre espace client que vous avez demandé",
    ),
    ("courtesy_reminder", "en"): ("Reminder: invoices coming due", "courtesy reminder"),
    ("first_reminder", "en"): ("Reminder: overdue invoices", "Unless we are mistaken"),
    ("second_reminder", "en"): (
        "Second reminder: payment expected within 8 days",
        "within eight days",
    ),
    ("third_reminder", "en"): (
        "Third reminder: last notice before formal demand",
        "Despite our two previous reminders",
    ),
    ("thank_you", "en"): ("Thank you for your payment", "We have received your payment"),
    ("direct_debit_rejected", "en"): ("Direct debit rejected", "was rejected by your bank"),
    ("dispute_acknowledged", "en"): (
        "Your dispute has been recorded",
        "We have received your dispute",
    ),
    ("promise_confirmed", "en"): ("Your promise to pay is confirmed", "your commitment to pay"),
    ("portal_link", "en"): (
        "Your link to your customer portal",
        "Here is the link to your customer portal that you asked for",
    ),
}
# The invoice table and totals as each reader sees them (French: no-break spaces).
TABLES = {
    "fr": (
        "Facture F-2, date 05/01/2026, échéance 04/02/2026 : montant 0,20\xa0€, reste dû 0,10\xa0€",
        [
            "Total (EUR) : montant 100,30\xa0€, reste dû 100,20\xa0€",
            "Total (USD) : montant 50,00\xa0$US, reste dû 25,00\xa0$US",
        ],
        "<tr><td>U-1</td><td>05/01/2026</td><td>04/02/2026</td>"
        '<td align="right">50,00\xa0$US</td><td align="right">25,00\xa0$US</td></tr>',
        '<td colspan="3">Total (EUR)</td><td align="right">100,30\xa0€</td>'
        '<td align="right">100,20\xa0€</td>',
        "Reste dû",
    ),
    "en": (
        "Invoice F-2, date 05/01/2026, due date 04/02/2026: amount €0.20, open balance €0.10",
        [
            "Total (EUR): amount €100.30, open balance €100.20",
            "Total (USD): amount US$50.00, open balance US$25.00",
        ],
        "<tr><td>U-1</td><td>05/01/2026</td><td>04/02/2026</td>"
        '<td align="right">US$50.00</td><td align="right">US$25.00</td></tr>',
        '<td colspan="3">Total (EUR)</td><td align="right">€100.30</td>'
        '<td align="right">€100.20</td>',
        "Open balance",
    ),
}


def test_every_default_step_has_its_own_words_in_both_languages():
    assert set(DEFAULTS) == {(n, lang) for n in DEFAULT_NAMES for lang in ("fr", "en")}
    for language in ("fr", "en"):
        subjects = [s for (_, lang), (s, _) in DEFAULTS.items() if lang == language]
        assert len(set(subjects)) == len(DEFAULT_NAMES)


@pytest.mark.parametrize(("name", "language"), sorted(DEFAULTS))
def test_every_default_renders_text_and_html_with_the_table_totals_and_link(name, language):
    subject, sentence = DEFAULTS[name, language]
    line, totals, html_row, html_total, balance_header = TABLES[language]
    rendered = Templates().render_email(
        name, language, _variables(language, "GB" if language == "en" else "FR", name="Durand SARL")
    )
    assert (rendered.language, rendered.subject) == (language, subject)
    assert sentence in rendered.text and sentence in rendered.html
    assert line in rendered.text and all(t in rendered.text for t in totals)
    assert "https://p/access/t" in rendered.text
    assert (
        f'<html lang="{language}">' in rendered.html
        and f"<title>{subject}</title>" in rendered.html
    )
    assert f'<th align="right">{balance_header}</th>' in rendered.html
    assert html_row in rendered.html and html_total in rendered.html
    assert '<a href="https://p/access/t">' in rendered.html
    sms = Templates().render_sms(name, language, _variables(language, name="Durand SARL"))
    assert sms.text.startswith("Durand SARL") and "\n" not in sms.text


@pytest.mark.parametrize(
    ("language", "ignore"),
    [
        ("fr", "Si vous n'êtes pas à l'origine de cette demande, vous pouvez ignorer ce message."),
        ("en", "If you did not ask for it, you can ignore this email."),
    ],
)
def test_the_portal_link_email_without_invoices_has_no_table_only_the_link(language, ignore):
    debtor = Debtor(customer_ref="C1", name="Durand SARL", language=language, country="FR")
    variables = message_context(
        tenant="ACME",
        debtor=debtor,
        invoices=(),
        language=language,
        portal_link="https://p/access/t",
        context={},
        sender_name="ACME",
        today=date(2026, 2, 20),
    )
    rendered = Templates().render_email("portal_link", language, variables)
    _, _, _, _, balance_header = TABLES[language]
    assert ignore in rendered.text and f"<p>{ignore}</p>" in rendered.html
    assert balance_header not in rendered.text and "<table" not in rendered.html
    assert "Total" not in rendered.text and "\n\n\n" not in rendered.text
    assert (
        "https://p/access/t" in rendered.text and '<a href="https://p/access/t">' in rendered.html
    )


def test_html_escapes_what_the_text_keeps_verbatim():
    templates = Templates(
        {
            ("first_reminder", "fr"): "{% extends layout %}{% block subject %}Hello{% endblock %}"
            "{% block message %}Bonjour {{ debtor.name }}{% endblock %}"
        }
    )
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
    rendered = Templates().render_email(
        "promise_confirmed", "en", _variables("en", promised_date="2026-03-01")
    )
    assert "by 1 March 2026" in rendered.text


def test_a_date_in_the_context_reads_in_the_debtors_locale_never_as_iso():
    """The scheduler sends dates as ISO text; the debtor reads them in their own words."""
    templates = Templates()
    french = _variables("fr", promised_date="2026-12-07")
    email = templates.render_email("promise_confirmed", "fr", french)
    assert "au plus tard le 7 décembre 2026" in email.text
    assert "7 décembre 2026" in email.html and "2026-12-07" not in email.text + email.html
    sms = templates.render_sms("promise_confirmed", "fr", french)
    assert "au 07/12/2026" in sms.text and "2026-12-07" not in sms.text
    british = templates.render_sms(
        "promise_confirmed", "en", _variables("en", "GB", promised_date="2026-12-07")
    )
    assert "by 07/12/2026" in british.text


def test_template_check_refuses_an_unknown_variable_with_its_line():
    source = (
        "{% extends layout %}\n{% block subject %}Hi{% endblock %}\n"
        "{% block message %}\nDear {{ customer_name }}\n{% endblock %}\n"
    )
    with pytest.raises(TemplateRefused) as refused:
        check_template(source, _variables())
    assert refused.value.line == 4 and "customer_name" in refused.value.message


def test_template_check_refuses_a_syntax_error_with_its_line():
    source = (
        "{% extends layout %}\n{% block subject %}Hi{% endblock %}\n{% block message %}\n{% if %}"
    )
    with pytest.raises(TemplateRefused) as refused:
        check_template(source, _variables())
    assert refused.value.line == 4


def test_template_check_refuses_an_unknown_attribute_found_when_rendering():
    source = (
        "{% extends layout %}\n{% block subject %}Hi{% endblock %}\n"
        "{% block message %}\n\n{{ debtor.siren }}\n{% endblock %}\n"
    )
    with pytest.raises(TemplateRefused) as refused:
        check_template(source, _variables())
    assert refused.value.line == 5 and "siren" in refused.value.message


@pytest.mark.parametrize(
    ("body", "line", "said"),
    [
        ("{{ debtor.name | shout }}", 4, "shout"),  # unknown filter: found when compiling
        ("{% if debtor is weird %}x{% endif %}", 4, "weird"),
        ("\n\n{{ 1 // 0 }}", 6, "ZeroDivisionError"),  # fails only when rendering
    ],
)
def test_template_check_refuses_what_does_not_compile_or_render_with_its_line(body, line, said):
    source = (
        "{% extends layout %}\n{% block subject %}Hi{% endblock %}\n"
        f"{{% block message %}}\n{body}\n{{% endblock %}}\n"
    )
    with pytest.raises(TemplateRefused) as refused:
        check_template(source, _variables())
    assert refused.value.line == line and said in refused.value.message


def test_template_check_refuses_a_template_without_a_message():
    with pytest.raises(TemplateRefused, match="message"):
        check_template("{% extends layout %}{% block subject %}Hi{% endblock %}", _variables())


def test_the_sandbox_refuses_reaching_python_internals():
    source = (
        "{% extends layout %}{% block subject %}Hi{% endblock %}"
        "{% block message %}{{ debtor.__class__.__mro__ }}{% endblock %}"
    )
    with pytest.raises(TemplateRefused):
        check_template(source, _variables())


def test_a_good_template_passes_the_check():
    check_template(
        "{% extends layout %}{% block subject %}Hi {{ debtor.name }}{% endblock %}"
        "{% block message %}{% for i in invoices %}{{ i.number }}{% endfor %}"
        "{% endblock %}",
        _variables(),
    )


def test_template_check_refuses_a_template_that_does_not_extend_the_layout():
    with pytest.raises(TemplateRefused, match="extends layout"):
        check_template(
            "{% block subject %}Hi{% endblock %}{% block message %}x{% endblock %}", _variables()
        )
    with pytest.raises(TemplateRefused, match="extends layout"):
        check_template(
            '{% extends "_email.txt" %}{% block subject %}Hi{% endblock %}'
            "{% block message %}x{% endblock %}",
            _variables(),
        )


# the one money formatter (encaisse.kit.money.format_money): each currency's own decimals,
# written as the debtor's language and country write them (U+202F, U+00A0 as babel gives)
MONEY_LINES = [
    _line("K-1", "1234.567", "1234.567", "KWD"),
    _line("J-1", "1234", "1234", "JPY"),
    _line("E-1", "1234.50", "1234.50", "EUR"),
]


@pytest.mark.parametrize(
    ("language", "country", "kwd", "jpy", "eur"),
    [
        ("fr", "FR", "1\u202f234,567\xa0KWD", "1\u202f234\xa0JPY", "1\u202f234,50\xa0€"),
        ("en", "GB", "KWD1,234.567", "JP¥1,234", "€1,234.50"),
    ],
)
def test_an_email_prints_kwd_jpy_and_eur_amounts_with_their_own_decimals(
    language, country, kwd, jpy, eur
):
    debtor = Debtor(customer_ref="C1", name="Durand", language=language, country=country)
    variables = message_context(
        tenant="ACME",
        debtor=debtor,
        invoices=MONEY_LINES,
        language=language,
        portal_link=None,
        context={},
        sender_name="ACME",
        today=date(2026, 2, 20),
    )
    rendered = Templates().render_email("first_reminder", language, variables)
    for part in (rendered.text, rendered.html):
        for amount in (kwd, jpy, eur):
            assert part.count(amount) == 4  # amount and open balance, in the table and total
    assert "1,234.57" not in rendered.text and "1\u202f234,57" not in rendered.text
    assert "1,234.00" not in rendered.text and "1\u202f234,00" not in rendered.text


def _thank_you_variables(language: str, payments: list) -> dict:
    country = "FR" if language == "fr" else "GB"
    debtor = Debtor(customer_ref="C1", name="Durand", language=language, country=country)
    return message_context(
        tenant="ACME",
        debtor=debtor,
        invoices=INVOICES[:2],
        language=language,
        portal_link=None,
        context={},
        sender_name="ACME",
        today=date(2026, 2, 20),
        payments=payments,
    )


PAYMENTS = [
    PaymentLine(
        payment_ref="VIR-1",
        paid_on=date(2026, 2, 2),
        amount=Money(amount=Decimal("1200.5"), currency="EUR"),
    ),
    PaymentLine(
        payment_ref="VIR-2",
        paid_on=date(2026, 2, 6),
        amount=Money(amount=Decimal("300"), currency="USD"),
    ),
]


@pytest.mark.parametrize(
    ("language", "lines"),
    [
        ("fr", ["VIR-1 du 2 février 2026 : 1 200,50 €", "VIR-2 du 6 février 2026 : 300,00 $US"]),
        ("en", ["VIR-1 of 2 February 2026: €1,200.50", "VIR-2 of 6 February 2026: US$300.00"]),
    ],
)
def test_a_thank_you_lists_every_payment_it_acknowledges(language, lines):
    rendered = Templates().render_email(
        "thank_you", language, _thank_you_variables(language, PAYMENTS)
    )
    for line in lines:
        assert line.replace("\u202f", " ").replace("\xa0", " ") in rendered.text.replace(
            "\u202f", " "
        ).replace("\xa0", " ")
    assert ("vos règlements" if language == "fr" else "your payments") in rendered.text


def test_a_thank_you_for_one_payment_speaks_of_one():
    rendered = Templates().render_email("thank_you", "fr", _thank_you_variables("fr", PAYMENTS[:1]))
    assert "votre règlement" in rendered.text and "VIR-2" not in rendered.text


def test_a_debtor_in_a_language_we_do_not_write_reads_the_tenants_language():
    templates = Templates()
    assert templates.language_for("first_reminder", "de", "fr") == "fr"
    assert templates.language_for("first_reminder", "de", "en") == "en"
    assert templates.language_for("first_reminder", "de", None) == "en"  # as before
    assert templates.language_for("first_reminder", "en", "fr") == "en"  # theirs first
