"""The portal's pure rules."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from encaisse.kit.failures import DomainError
from encaisse.portal import i18n, redact, web
from encaisse.portal.domain import access, actions, payments, statement
from encaisse.portal.domain.refusals import Refused
from encaisse.portal.payments import BadProviderSignature, SandboxProvider

TODAY = date(2026, 11, 22)


def inv(
    number: str, balance: str, currency: str = "EUR", status: str = "open", due: date = TODAY
) -> statement.Invoice:
    return statement.Invoice(
        number, due - timedelta(days=30), due, Decimal(balance), Decimal(balance), currency, status
    )


def test_days_overdue_never_negative():
    assert inv("A", "1", due=TODAY - timedelta(days=12)).days_overdue(TODAY) == 12
    assert inv("A", "1", due=TODAY + timedelta(days=3)).days_overdue(TODAY) == 0


def test_totals_per_currency_never_mix_currencies_and_skip_what_is_paid():
    invoices = [
        inv("A", "10.10"),
        inv("B", "0.20"),
        inv("C", "5", "USD"),
        inv("D", "99", status="cancelled"),
        inv("E", "0"),
    ]
    assert statement.totals_per_currency(invoices) == {"EUR": Decimal("10.30"), "USD": Decimal("5")}


def test_chosen_refuses_unknown_or_closed_invoices_and_empty_choices():
    invoices = [inv("A", "10"), inv("B", "0"), inv("C", "3", status="paid")]
    assert [i.number for i in statement.chosen(invoices, ["A", "A"])] == ["A"]
    for numbers in ([], ["B"], ["C"], ["Z"], ["A", "Z"]):
        with pytest.raises(DomainError) as err:
            statement.chosen(invoices, numbers)
        assert err.value.field == ("invoices",)


def test_a_payment_is_the_sum_of_open_balances_in_one_currency():
    payment = payments.payment_for([inv("A", "10.10"), inv("B", "0.20")])
    assert payment.amount == Decimal("10.30") and payment.currency == "EUR"
    assert [a.invoice_number for a in payment.allocations] == ["A", "B"]
    with pytest.raises(DomainError, match="currencies"):
        payments.payment_for([inv("A", "1"), inv("B", "1", "USD")])


def test_promise_date_between_today_and_the_limit():
    assert actions.check_promise_date(TODAY, TODAY, 30) == TODAY
    assert actions.check_promise_date(TODAY + timedelta(days=30), TODAY, 30)
    for bad in (TODAY - timedelta(days=1), TODAY + timedelta(days=31)):
        with pytest.raises(DomainError) as err:
            actions.check_promise_date(bad, TODAY, 30)
        assert err.value.field == ("promised_date",)


@pytest.mark.parametrize(
    "typed,ok",
    [
        ("1", False),
        ("2", True),
        (" 24 ", True),
        ("25", False),
        ("many", False),
        ("-3", False),
        ("", False),
    ],
)
def test_instalments_limits(typed, ok):
    if ok:
        assert actions.check_instalments(typed) == int(typed)
    else:
        with pytest.raises(DomainError) as err:
            actions.check_instalments(typed)
        assert err.value.field == ("instalments",)


def test_a_dispute_needs_a_message():
    assert actions.dispute_message("  goods broken \n") == "goods broken"
    for empty in ("", "   \n"):
        with pytest.raises(DomainError) as err:
            actions.dispute_message(empty)
        assert err.value.field == ("message",)


def test_refusals_are_told_in_the_debtors_language():
    with pytest.raises(Refused) as err:
        actions.check_promise_date(TODAY + timedelta(days=31), TODAY, 30)
    assert i18n.refusal(err.value, "fr") == "La date doit être dans les 30 jours."
    assert i18n.refusal(err.value, "en") == "The date must be within 30 days."
    with pytest.raises(Refused) as err:
        actions.attachment_type(b"%PDF" + b"0" * 3 * 1024 * 1024, 2 * 1024 * 1024)
    assert i18n.refusal(err.value, "fr") == "Le fichier dépasse 2 Mo."
    # a refusal without words of its own keeps its message
    assert i18n.refusal(DomainError("x", "plain words"), "fr") == "plain words"


def test_attachment_type_is_read_from_the_content():
    assert actions.attachment_type(b"%PDF-1.7\n%...", 100) == "application/pdf"
    assert actions.attachment_type(b"\xff\xd8\xff\xe0" + b"\x00" * 20, 100) == "image/jpeg"
    for content in (b"MZ\x90\x00", b"<html><script>", b"PK\x03\x04zip"):
        with pytest.raises(DomainError, match="PDF or an image"):
            actions.attachment_type(content, 1000)
    with pytest.raises(DomainError, match="larger"):
        actions.attachment_type(b"%PDF" + b"0" * 200, 100)


def test_languages_and_formats():
    assert i18n.language_of("en-GB") == "en" and i18n.language_of("de") == "fr"
    assert i18n.language_of(None) == "fr"
    assert i18n.money(Decimal("1300.5"), "EUR", "fr") == "1\u202f300,50\xa0€"
    assert i18n.money(Decimal("1300.5"), "EUR", "en") == "€1,300.50"
    assert i18n.translator("en")("statement") == "Account statement"
    assert set(i18n.WORDS) and all(set(v) == set(i18n.LANGUAGES) for v in i18n.WORDS.values())


def test_sandbox_results_are_signed():
    sandbox = SandboxProvider("s3cret")
    query = sandbox.finish("chk-1", succeed=True).split("?", 1)[1]
    params = dict(p.split("=", 1) for p in query.split("&"))
    result = sandbox.confirm(params)
    assert result.checkout_id == "chk-1" and result.captured
    for tampered in (
        dict(params, outcome="declined"),
        dict(params, checkout="chk-2"),
        {k: v for k, v in params.items() if k != "sig"},
    ):
        with pytest.raises(BadProviderSignature):
            sandbox.confirm(tampered)
    with pytest.raises(BadProviderSignature):
        SandboxProvider("other").confirm(params)


def test_form_csrf_is_bound_to_its_cookie_and_key():
    token = access.form_csrf("key", "cookie-1")
    assert access.form_csrf_ok("key", "cookie-1", token)
    for key, cookie, submitted in (
        ("key", "cookie-2", token),
        ("other", "cookie-1", token),
        ("key", None, token),
        ("key", "cookie-1", None),
        ("key", "cookie-1", ""),
    ):
        assert not access.form_csrf_ok(key, cookie, submitted)


@pytest.mark.parametrize(
    "method,headers,status",
    [
        ("GET", {}, None),
        ("POST", {"content-length": "100"}, None),
        ("POST", {"content-length": "1001"}, 413),
        ("POST", {"content-length": "-1"}, 413),
        ("POST", {}, None),  # no body at all
        ("POST", {"transfer-encoding": "chunked"}, 411),
    ],
)
def test_bodies_are_refused_by_their_length_before_they_are_read(method, headers, status):
    assert web.body_too_large(method, headers, 1000) == status


def test_link_tokens_are_masked_in_log_records():
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        "",
        0,
        '%s - "%s %s HTTP/1.1" %d',
        ("1.2.3.4", "POST", "/access/eyJ.abc?x=1", 303),
        None,
    )
    redact.RedactLinks().filter(record)
    assert record.getMessage() == '1.2.3.4 - "POST /access/***?x=1 HTTP/1.1" 303'
    kept = logging.LogRecord(
        "uvicorn.access", logging.INFO, "", 0, "GET /access/request", None, None
    )
    redact.RedactLinks().filter(kept)
    assert kept.getMessage() == "GET /access/request"


def test_revocation_and_the_issue_time_of_a_link_after_it():
    revoked_at = datetime(2030, 1, 1, 12, 0, 0, 500_000, tzinfo=UTC)
    assert access.revoked(revoked_at, revoked_at) and not access.revoked(revoked_at, None)
    assert not access.revoked(revoked_at + timedelta(microseconds=1), revoked_at)
    # links carry whole seconds: one issued in the second of the revocation outlives it
    same_second = revoked_at + timedelta(milliseconds=200)
    assert access.link_issue_time(same_second, revoked_at) == revoked_at + timedelta(seconds=1)
    later = revoked_at + timedelta(seconds=5)
    assert access.link_issue_time(later, revoked_at) == later
    assert access.link_issue_time(same_second, None) == same_second


def test_the_portal_handles_every_message_of_its_queues():
    from encaisse.portal.app import PortalParts
    from encaisse.portal.handlers import QUEUES, handlers
    from encaisse.portal.payments import SandboxProvider

    bound = handlers(PortalParts(payment_provider=SandboxProvider("s3cret")))
    assert {spec.name for spec in QUEUES} == {"portal.read_model", "portal.notices"}
    assert all(callable(handle) for handle in bound.values()) and len(bound) == 17
