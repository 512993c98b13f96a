"""The debtor's pages and actions over real HTTP, fed by real events through RabbitMQ."""

from __future__ import annotations

import re
from datetime import date, timedelta

from fastapi import FastAPI
from fastapi.responses import Response

from encaisse.contracts import notifier as N
from support.http import serve

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


async def test_statement_lists_open_invoices_with_totals_per_currency_and_ignores_old_events(
    portal,
):
    ref = await portal.customer(language="en")
    a = await portal.invoice(ref, "1200.50", due_days_ago=12)
    b = await portal.invoice(ref, "300.00", open_balance="100.00", due_days_ago=-5)
    usd = await portal.invoice(ref, "80.00", currency="USD")
    # version 2 settles ``a``; a late version 1 must not re-open it
    settled = await portal.invoice(ref, "40.00", version=2, open_balance="0.00")
    await portal.invoice(ref, "40.00", number=settled, version=1)  # waits until handled
    headers = await portal.signed_in(ref)
    page = (await portal.http.get("/", headers=headers)).text
    assert "Account statement" in page and 'lang="en"' in page
    assert a in page and b in page and usd in page and settled not in page
    totals = re.findall(r'data-currency="(\w+)">([^<]+)<', page)
    assert totals == [("EUR", "€1,300.50"), ("USD", "$80.00")]
    assert "12 d" in page and "€100.00" in page


async def test_the_statement_shows_each_currency_with_its_own_decimals(portal):
    """KWD has three decimals, JPY none, EUR two, in French and in English alike."""
    expected = {
        "fr": {
            "KWD": "1\u202f234,567\xa0KWD",
            "JPY": "1\u202f234\xa0JPY",
            "EUR": "1\u202f234,50\xa0€",
        },
        "en": {"KWD": "KWD1,234.567", "JPY": "¥1,234", "EUR": "€1,234.50"},
    }
    for lang, amounts in expected.items():
        ref = await portal.customer(language=lang)
        for currency, amount in (("KWD", "1234.567"), ("JPY", "1234"), ("EUR", "1234.50")):
            await portal.invoice(ref, amount, currency=currency)
        page = (await portal.http.get("/", headers=await portal.signed_in(ref))).text
        totals = dict(re.findall(r'data-currency="(\w+)">([^<]+)<', page))
        assert totals == amounts, lang
        balances = re.findall(r'<dd class="balance">([^<]+)<', page)
        assert sorted(balances) == sorted(amounts.values()), lang


async def test_an_invoice_page_and_its_pdf(portal, caplog):
    pdf_server = FastAPI()
    asked: list[str] = []

    @pdf_server.get("/invoices/{name}")
    async def pdf(name: str) -> Response:
        asked.append(name)
        return Response(PDF, media_type="application/pdf")

    async with serve(pdf_server) as ledger_url, serve(pdf_server) as internal:
        settings = portal.app.state.settings
        settings.document_origins = {portal.tenant: (ledger_url,)}
        settings.document_allow_private = True  # the test's document server is local
        ref = await portal.customer()
        elsewhere = await portal.invoice(ref, "12.00", pdf_url=f"{internal}/invoices/s.pdf")
        number = await portal.invoice(ref, "99.90", pdf_url=f"{ledger_url}/invoices/x.pdf")
        bare = await portal.invoice(ref, "10.00")
        headers = await portal.signed_in(ref)
        page = await portal.http.get(f"/invoices/{number}", headers=headers)
        assert page.status_code == 200 and "99,90" in page.text and "/pdf" in page.text
        got = await portal.http.get(f"/invoices/{number}/pdf", headers=headers)
        assert got.status_code == 200 and got.content == PDF
        assert got.headers["content-type"] == "application/pdf"
        assert ledger_url not in page.text
        assert (await portal.http.get(f"/invoices/{bare}/pdf", headers=headers)).status_code == 404
        refused = await portal.http.get(f"/invoices/{elsewhere}/pdf", headers=headers)
        assert refused.status_code == 502 and asked == ["x.pdf"]  # never asked elsewhere
    logged = [r.getMessage() for r in caplog.records if r.name.startswith(("encaisse", "httpx"))]
    assert logged and not [m for m in logged if "/invoices/" in m], "no document URL logged"


async def test_history_shows_what_was_sent_and_its_last_status(portal):
    ref = await portal.customer(language="en")
    common = dict(
        tenant=portal.tenant,
        message_id="m-" + ref,
        command_key="k-" + ref,
        channel=N.Channel.EMAIL,
        customer_ref=ref,
        recipient="a@example.com",
    )
    await portal.publish(N.MessageSent(version=1, **common), "m-" + ref)
    await portal.publish(N.MessageDelivered(version=2, **common), "m-" + ref)
    headers = await portal.signed_in(ref)

    async def delivered() -> bool:
        return "delivered" in (await portal.http.get("/history", headers=headers)).text

    await portal.until(delivered)
    page = (await portal.http.get("/history", headers=headers)).text
    assert "Email" in page and "What we sent you" in page


async def test_history_shows_the_letters_sent_too(portal):
    from encaisse.contracts import letters as P

    ref = await portal.customer(language="en")
    common = dict(tenant=portal.tenant, command_key="k-" + ref, customer_ref=ref)
    await portal.publish(
        P.LetterPosted(version=1, letter_id="l1-" + ref, kind=P.LetterKind.REGISTERED, **common),
        "l1-" + ref,
    )
    await portal.publish(
        P.LetterDelivered(version=2, letter_id="l1-" + ref, kind=P.LetterKind.REGISTERED, **common),
        "l1-" + ref,
    )
    await portal.publish(
        P.LetterReturned(
            version=2,
            letter_id="l2-" + ref,
            kind=P.LetterKind.SIMPLE,
            reason="address_unknown",
            detail="x" * 500,
            **common,
        ),
        "l2-" + ref,
    )
    late = await portal.publish(
        P.LetterPosted(version=1, letter_id="l2-" + ref, kind=P.LetterKind.SIMPLE, **common),
        "l2-" + ref,
    )
    await portal.handled(late)  # an older report, arriving last, changes nothing
    headers = await portal.signed_in(ref)

    async def both() -> list[tuple[str, str]] | None:
        page = (await portal.http.get("/history", headers=headers)).text
        rows = re.findall(r"<td>[^<]+</td><td>([^<]+)</td><td>([^<]+)</td>", page)
        return rows if len(rows) == 2 else None

    rows = await portal.until(both)
    assert sorted(rows) == [("Letter", "returned"), ("Registered letter", "delivered")]


async def test_dispute_with_an_attachment_checked_by_content(portal):
    ref = await portal.customer(language="en")
    number = await portal.invoice(ref, "500.00")
    headers = await portal.signed_in(ref)
    csrf = await portal.csrf(headers, f"/invoices/{number}/dispute")
    path = f"/invoices/{number}/dispute"
    form = {"csrf": csrf, "reason": "amount_wrong", "message": "We ordered 4, not 5."}
    exe = await portal.http.post(
        path,
        data=form,
        headers=headers,
        files={"attachment": ("proof.pdf", b"MZ\x90\x00" * 100, "application/pdf")},
    )
    assert exe.status_code == 422 and "PDF or an image" in exe.text
    assert 'data-field="attachment"' in exe.text and "We ordered 4, not 5." in exe.text
    big = PDF + b"0" * (5 * 1024 * 1024)
    too_big = await portal.http.post(
        path, data=form, headers=headers, files={"attachment": ("big.pdf", big, "application/pdf")}
    )
    assert too_big.status_code == 422 and "larger than 5 MB" in too_big.text
    huge = await portal.http.post(
        path,
        data=form,
        headers=headers,
        files={"attachment": ("huge.pdf", PDF + b"0" * (6 * 1024 * 1024), "application/pdf")},
    )
    assert huge.status_code == 413  # refused before the body is read
    silent = await portal.http.post(path, data=dict(form, message="  "), headers=headers)
    assert silent.status_code == 422 and 'data-field="message"' in silent.text
    bad_reason = await portal.http.post(path, data=dict(form, reason="bored"), headers=headers)
    assert bad_reason.status_code == 422 and "reason" in bad_reason.text
    assert not [e for e in portal.captured if e.routing_key.startswith("portal.")]
    ok = await portal.http.post(
        path, data=form, headers=headers, files={"attachment": ("photo.txt", PNG, "text/plain")}
    )
    assert ok.status_code == 200 and "Your dispute is recorded" in ok.text
    [event] = await portal.events("portal.dispute.opened.v1")
    assert event.payload.invoice_number == number and event.payload.customer_ref == ref
    assert event.payload.reason == "amount_wrong" and event.payload.attachment_sha256
    assert event.payload.dispute_id in ok.text


async def test_promise_to_pay_within_the_tenants_limit(portal):
    admin = {"Authorization": "Bearer admin-token"}
    put = await portal.http.put("/staff/settings", json={"promise_max_days": 20}, headers=admin)
    assert put.status_code == 200
    ref = await portal.customer()
    first, second = await portal.invoice(ref, "100.00"), await portal.invoice(ref, "200.00")
    headers = await portal.signed_in(ref)
    form_page = await portal.http.get(
        "/promise", params={"invoices": [first, second]}, headers=headers
    )
    assert form_page.status_code == 200
    csrf = re.search(r'name="csrf" value="([^"]+)"', form_page.text).group(1)
    late = (date.today() + timedelta(days=21)).isoformat()
    refused = await portal.http.post(
        "/promise",
        headers=headers,
        data={"csrf": csrf, "invoices": [first, second], "promised_date": late},
    )
    assert refused.status_code == 422 and 'data-field="promised_date"' in refused.text
    assert "dans les 20 jours" in refused.text  # the customer's language
    soon = (date.today() + timedelta(days=20)).isoformat()
    ok = await portal.http.post(
        "/promise",
        headers=headers,
        data={"csrf": csrf, "invoices": [first, second], "promised_date": soon},
    )
    assert ok.status_code == 200 and "promesse de paiement est enregistrée" in ok.text
    [event] = await portal.events("portal.promise.made.v1")
    assert event.payload.invoice_numbers == (first, second)
    assert event.payload.promised_date.isoformat() == soon
    await portal.http.put("/staff/settings", json={"promise_max_days": 30}, headers=admin)


async def test_payment_plan_request(portal):
    ref = await portal.customer()
    number = await portal.invoice(ref, "900.00")
    headers = await portal.signed_in(ref)
    csrf = await portal.csrf(headers)
    for bad in ("1", "25", "many"):
        answer = await portal.http.post(
            "/plan", headers=headers, data={"csrf": csrf, "invoices": number, "instalments": bad}
        )
        assert answer.status_code == 422 and 'data-field="instalments"' in answer.text
        assert "Entre 2 et 24 échéances" in answer.text
    ok = await portal.http.post(
        "/plan", headers=headers, data={"csrf": csrf, "invoices": number, "instalments": "6"}
    )
    assert ok.status_code == 200
    [event] = await portal.events("portal.plan.requested.v1")
    assert event.payload.instalments == 6 and event.payload.invoice_numbers == (number,)


async def test_pay_through_the_sandbox_captures_once(portal):
    ref = await portal.customer(language="en")
    a, b = await portal.invoice(ref, "150.00"), await portal.invoice(ref, "49.99")
    usd = await portal.invoice(ref, "10.00", currency="USD")
    headers = await portal.signed_in(ref)
    csrf = await portal.csrf(headers)
    mixed = await portal.http.post(
        "/pay", headers=headers, data={"csrf": csrf, "invoices": [a, usd]}
    )
    assert mixed.status_code == 422 and "currencies" in mixed.text
    summary = await portal.http.get("/pay", params={"invoices": [a, b]}, headers=headers)
    assert "€199.99" in summary.text
    started = await portal.http.post(
        "/pay", headers=headers, data={"csrf": csrf, "invoices": [a, b]}
    )
    assert started.status_code == 303
    checkout = started.headers["location"]
    assert (await portal.http.get(checkout, headers=headers)).status_code == 200
    back = await portal.http.post(
        checkout, headers=headers, data={"csrf": csrf, "outcome": "succeed"}
    )
    assert back.status_code == 303
    done = await portal.http.get(back.headers["location"], headers=headers)
    assert done.status_code == 200 and "your payment is accepted" in done.text
    again = await portal.http.get(back.headers["location"], headers=headers)  # reload
    assert again.status_code == 200
    forged = back.headers["location"].replace("sig=", "sig=0")
    assert (await portal.http.get(forged, headers=headers)).status_code == 400
    [event] = await portal.events("portal.payment.captured.v1")
    captured = event.payload
    assert captured.customer_ref == ref and str(captured.amount.amount) == "199.99"
    assert {x.invoice_number for x in captured.allocations} == {a, b}
    assert captured.provider == "sandbox" and captured.provider_ref in done.text
    statement = (await portal.http.get("/", headers=headers)).text
    assert statement.count("Payment in progress") == 2
    repay = await portal.http.post("/pay", headers=headers, data={"csrf": csrf, "invoices": a})
    assert repay.status_code == 422
    await portal.until(portal.outbox_empty)
    assert len([e for e in portal.captured if e.routing_key == "portal.payment.captured.v1"]) == 1


async def test_a_declined_payment_publishes_nothing(portal):
    ref = await portal.customer(language="en")
    number = await portal.invoice(ref, "75.00")
    headers = await portal.signed_in(ref)
    csrf = await portal.csrf(headers)
    started = await portal.http.post(
        "/pay", headers=headers, data={"csrf": csrf, "invoices": number}
    )
    back = await portal.http.post(
        started.headers["location"], headers=headers, data={"csrf": csrf, "outcome": "fail"}
    )
    done = await portal.http.get(back.headers["location"], headers=headers)
    assert "The payment failed" in done.text
    await portal.until(portal.outbox_empty)
    assert not [e for e in portal.captured if e.routing_key == "portal.payment.captured.v1"]
    assert (
        number in (await portal.http.get("/pay", params={"invoices": number}, headers=headers)).text
    )


async def test_a_notice_from_the_scheduler_shows_on_the_statement(portal):
    from encaisse.contracts.common import Debtor, InvoiceLine
    from encaisse.contracts.portal import PostNotice

    ref = await portal.customer()
    number = await portal.invoice(ref, "10.00")
    line = InvoiceLine(
        invoice_number=number,
        issue_date=date.today(),
        due_date=date.today(),
        amount={"amount": "10.00", "currency": "EUR"},
        open_balance={"amount": "10.00", "currency": "EUR"},
    )
    await portal.publish(
        PostNotice(
            tenant=portal.tenant,
            idempotency_key="n-" + ref,
            template="first_reminder",
            invoices=(line,),
            debtor=Debtor(customer_ref=ref, name="Dupont"),
        ),
        ref,
    )
    headers = await portal.signed_in(ref)

    async def shown() -> bool:
        return (
            "Un rappel concerne vos factures" in (await portal.http.get("/", headers=headers)).text
        )

    await portal.until(shown)
