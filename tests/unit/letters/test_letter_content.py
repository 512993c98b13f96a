"""What a letter says and how it is printed: texts, tables, amounts, languages, the PDF's text."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from pypdf import PdfReader

from encaisse.contracts.common import Debtor
from encaisse.contracts.letters import FormalNotice, LetterKind
from encaisse.letters.domain.compose import compose
from encaisse.letters.domain.formats import money
from encaisse.letters.domain.lifecycle import UnexpectedEvent, after
from encaisse.letters.domain.rates import bundled_rates
from encaisse.letters.domain.templates import UnknownTemplate
from encaisse.letters.pdf import render_pdf
from encaisse.letters.sample import SENDER, render_sample, sample_notice

BLOCK = ("Boulangerie Lefèvre SARL", "12 rue de l'Église", "69002 LYON")
NNBSP, NBSP = "\u202f", "\xa0"  # babel's French group separator, and before the currency


def fr(text: str) -> str:
    """``28 181,74 €`` as babel writes it in French: groups apart by a narrow no-break space,
    the currency or the percent sign after a no-break space."""
    head, _, sign = text.rpartition(" ")
    return head.replace(" ", NNBSP) + NBSP + sign


def _compose(command, url="http://portal/access/t"):
    return compose(
        command,
        BLOCK,
        SENDER,
        today=date(2024, 5, 31),
        reference="R-1",
        portal_url=url,
        rates=bundled_rates(),
    )


def test_money_is_printed_in_the_reader_s_language():
    assert money(Decimal("28181.74"), "EUR", "fr") == fr("28 181,74 €")
    assert money(Decimal("28181.74"), "EUR", "en") == "€28,181.74"


def test_the_sample_notice_splits_principal_penalties_and_indemnity():
    content = _compose(sample_notice())
    assert content.table.rows[1] == (
        "FA-2024-0342",
        "31/03/2024",
        fr("5 000,00 €"),
        "61",
        fr("14,50 %"),
        fr("156,92 €"),
        fr("40,00 €"),
    )
    assert content.table.totals == (
        ("Total", "", fr("27 345,67 €"), "", "", fr("716,07 €"), fr("120,00 €")),
    )
    assert fr("28 181,74 €") + " au plus tard le 10 juin 2024" in content.before_table[0]
    assert content.summary["totals"] == {"EUR": "28181.74"}
    assert content.summary["invoices"][1]["penalty"] == "156.92"


def test_an_english_notice_to_a_consumer_has_no_penalties_but_legal_interest():
    command = sample_notice()
    command = command.model_copy(
        update={
            "debtor": Debtor(customer_ref="P-1", name="Jane Doe", language="en"),
            "formal_notice": FormalNotice(
                penalties_computed_on=date(2024, 5, 31),
                payment_deadline=date(2024, 6, 10),
                business_customer=False,
            ),
        }
    )
    content = _compose(command)
    assert content.subject == "Formal notice to pay"
    assert "€27,345.67 no later than 10 June 2024" in content.before_table[0]
    assert "legal rate" in content.after_table[0]
    assert all(row[5] == "€0.00" and row[6] == "€0.00" for row in content.table.rows)


def test_a_reminder_letter_lists_invoices_without_penalties():
    command = sample_notice().model_copy(
        update={"template": "reminder_letter", "kind": LetterKind.SIMPLE, "formal_notice": None}
    )
    content = _compose(command, url=None)
    assert content.table.header[-1] == "Reste dû"
    assert content.table.totals == (("Total", "", "", "", fr("27 345,67 €")),)
    assert content.portal_line is None and not content.registered


def test_an_unknown_template_is_refused():
    with pytest.raises(UnknownTemplate):
        _compose(sample_notice().model_copy(update={"template": "poem"}))


def test_the_pdf_text_holds_names_addresses_and_amounts():
    reader = PdfReader(io.BytesIO(render_sample()))
    text = "\n".join(page.extract_text() for page in reader.pages)
    for expected in (
        "Encaisse Démo SAS",
        "75002 Paris",
        *BLOCK,
        "Paris, le 31 mai 2024",
        "FA-2024-0515",
        "12 345,67 €",
        "78,47 €",
        "716,07 €",
        "28 181,74 €",
        "Page 1 / 1",
        "L441-10",
    ):
        assert expected in text, expected
    for expected in (
        "Réf. : C-0042 / LR-SAMPLE",
        "Objet : Mise en demeure de payer",
        "au plus tard le 10 juin 2024",
        "sur 365 jours",
        "14,50 %",
        "procédure judiciaire",
        "LETTRE RECOMMANDÉE AVEC ACCUSÉ DE RÉCEPTION",
    ):
        assert expected in " ".join(text.split()), expected
    assert reader.metadata.title == "Mise en demeure"


def _text(content) -> str:
    reader = PdfReader(io.BytesIO(render_pdf(content, title="x")))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def test_an_english_notice_s_pdf_reads_in_english():
    command = sample_notice()
    command = command.model_copy(
        update={"debtor": command.debtor.model_copy(update={"language": "en-GB"})}
    )
    text = _text(_compose(command))
    for expected in (
        "Ref.: R-1",
        "Subject: Formal notice to pay",
        "Paris, 31 May 2024",
        "€28,181.74 no later than 10 June 2024",
        "on a 365-day year",
        "€480.68",
        "Page 1 of 1",
        "REGISTERED LETTER WITH ACKNOWLEDGEMENT OF RECEIPT",
        "court proceedings",
    ):
        assert expected in text, expected


def test_a_contract_rate_in_the_terms_is_the_rate_printed_and_applied():
    # FA-2024-0117: 10000 x 20 % x 121/365 = 663.0137; FA-2024-0342: 30 days on 8000 and
    # 31 days on 5000 at 20 %: 131.5068 + 84.9315 = 216.4384; FA-2024-0515: 12345.67 x 20 %
    # x 16/365 = 39506.144/365 = 108.2360. Penalties 663.01 + 216.44 + 108.24 = 987.69;
    # 27345.67 + 987.69 + 120.00 = 28453.36
    command = sample_notice()
    notice = command.formal_notice.model_copy(update={"contract_rate": Decimal("20")})
    content = _compose(command.model_copy(update={"formal_notice": notice}))
    assert [row[4:6] for row in content.table.rows] == [
        (fr("20,00 %"), fr("663,01 €")),
        (fr("20,00 %"), fr("216,44 €")),
        (fr("20,00 %"), fr("108,24 €")),
    ]
    assert content.summary["totals"] == {"EUR": "28453.36"}
    text = _text(content)
    assert "663,01 €" in text and "28 453,36 €" in text


def test_a_long_list_of_invoices_flows_onto_numbered_pages():
    command = sample_notice()
    many = tuple(
        command.invoices[0].model_copy(update={"invoice_number": f"FA-{n:04d}"}) for n in range(80)
    )
    content = _compose(command.model_copy(update={"invoices": many}))
    reader = PdfReader(io.BytesIO(render_pdf(content, title="x")))
    assert len(reader.pages) >= 3
    last = reader.pages[-1].extract_text()
    assert f"Page {len(reader.pages)} / {len(reader.pages)}" in last
    assert "FA-0079" in "".join(p.extract_text() for p in reader.pages)


def test_provider_events_move_a_letter_forward_only():
    assert after("submitted", "accepted") is None
    assert after("submitted", "posted") == "posted"
    assert after("posted", "returned") == "returned"
    assert after("posted", "failed") == "failed"  # lost on the way
    assert after("posted", "notice_left") is None  # a step we need not report
    with pytest.raises(UnexpectedEvent):
        after("submitted", "delivered")
    with pytest.raises(UnexpectedEvent):
        after("delivered", "returned")


@pytest.mark.parametrize(("tenant_language", "written"), [("fr", "fr"), ("en", "en"), (None, "en")])
def test_a_reader_in_a_language_we_do_not_write_reads_the_tenants(tenant_language, written):
    base = sample_notice()
    debtor = Debtor(
        customer_ref="C-0042",
        name="Bäckerei Müller GmbH",
        language="de",
        fallback_language=tenant_language,
    )
    content = _compose(base.model_copy(update={"debtor": debtor}))
    assert content.language == written
