"""Access to the portal: links, sessions, CSRF, other customers' data, headers, logs."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from encaisse.kit.links import sign_link, token_hash
from encaisse.portal import db
from encaisse.portal.api.deps import COOKIE, LINK_FORM_COOKIE
from integration.portal.portal_support import LINK_KEYS, cookie_of, set_cookie


async def test_a_link_shows_a_button_and_only_the_post_opens_a_session(portal):
    ref = await portal.customer()
    await portal.invoice(ref, "120.00")
    link = await portal.link(ref)
    path = link.removeprefix(portal.url)
    for _ in range(2):  # a mail scanner fetching the link spends nothing
        page = await portal.http.get(path)
        assert page.status_code == 200
        assert f'action="{path}"' in page.text
        # only the pre-session cookie of the button's form, no session
        [cookie] = page.headers.get_list("set-cookie")
        assert cookie.startswith(f"{LINK_FORM_COOKIE}=")
        for flag in ("httponly", "secure", "samesite=strict", "path=/access/"):
            assert flag in cookie.lower()
    opened = await portal.open_link(path)
    assert opened.status_code == 303 and opened.headers["location"] == "/"
    cookie = set_cookie(opened, COOKIE).lower()
    for flag in ("httponly", "secure", "samesite=lax", "path=/"):
        assert flag in cookie
    assert "max-age=0" in set_cookie(opened, LINK_FORM_COOKIE).lower()  # spent with the link
    statement = await portal.http.get("/", headers={"Cookie": cookie_of(opened)})
    assert statement.status_code == 200
    assert "Relevé de compte" in statement.text


async def test_a_links_button_needs_the_pages_token_and_cookie(portal):
    ref = await portal.customer()
    path = (await portal.link(ref)).removeprefix(portal.url)
    cookie, data = await portal.link_form(path)
    other_cookie, other_data = await portal.link_form(path)  # another visit, another cookie
    # neither Origin nor Sec-Fetch-Site (an older browser): the token alone decides
    attempts = [
        ({}, {}),  # no token, no cookie
        ({}, cookie),  # no token
        (data, {}),  # no cookie
        (data, other_cookie),  # the token of another pre-session cookie
        (other_data, cookie),
        ({"csrf": "0" * 64}, cookie),
    ]
    for form, headers in attempts:
        answer = await portal.http.post(path, data=form, headers=headers)
        assert answer.status_code == 403, (form, headers)
        assert COOKIE not in answer.headers.get("set-cookie", "")
    # nothing was spent: the right pair still opens the session
    assert (await portal.open_link(path, (cookie, data))).status_code == 303


async def test_expired_tampered_unknown_key_revoked_and_replayed_links_are_refused(portal):
    ref = await portal.customer()
    now = datetime.now(UTC)
    expired = sign_link(
        LINK_KEYS, "k1", portal.tenant, ref, now=now - timedelta(days=40), ttl=timedelta(days=30)
    )
    good = sign_link(LINK_KEYS, "k1", portal.tenant, ref, now=now)
    body, mac = good.split(".")
    other = sign_link(LINK_KEYS, "k1", portal.tenant, "SOMEONE-ELSE", now=now).split(".")[0]
    tampered = [
        f"{other}.{mac}",
        f"{body}.{mac[:-2]}AA",
        f"{body}x.{mac}",
        "garbage",
        sign_link({"kx": "unknown"}, "kx", portal.tenant, ref, now=now),
    ]
    form = await portal.link_form(f"/access/{good}")  # a browser's cookie and token
    for token in [expired, *tampered]:
        page = await portal.http.get(f"/access/{token}")
        assert page.status_code == 401 and "set-cookie" not in page.headers
        refused = await portal.open_link(f"/access/{token}", form)
        assert refused.status_code == 401 and "set-cookie" not in refused.headers

    # replayed: a link opens one session only
    assert (await portal.open_link(f"/access/{good}", form)).status_code == 303
    assert (await portal.open_link(f"/access/{good}", form)).status_code == 401
    assert (await portal.http.get(f"/access/{good}")).status_code == 401

    # revoked: links issued and sessions opened before the revocation stop working
    unused = (await portal.link(ref)).removeprefix(portal.url)
    unused_form = await portal.link_form(unused)
    headers = await portal.signed_in(ref)
    assert (await portal.http.get("/", headers=headers)).status_code == 200
    revoke = await portal.http.post(
        f"/staff/customers/{ref}/revoke", headers={"Authorization": "Bearer collector-token"}
    )
    assert revoke.status_code == 200
    assert (await portal.http.get("/", headers=headers)).status_code == 401
    assert (await portal.open_link(unused, unused_form)).status_code == 401
    fresh = await portal.signed_in(ref)  # a link issued after it works
    assert (await portal.http.get("/", headers=fresh)).status_code == 200


async def test_the_old_key_still_opens_links_it_signed(portal):
    ref = await portal.customer()
    token = sign_link(LINK_KEYS, "k0", portal.tenant, ref, now=datetime.now(UTC))
    assert (await portal.open_link(f"/access/{token}")).status_code == 303


async def test_staff_api_needs_a_collector_and_acts_for_its_own_tenant(portal):
    ref = await portal.customer()
    answer = await portal.http.post("/staff/links", json={"customer_ref": ref})
    assert answer.status_code == 401
    viewer = {"Authorization": "Bearer viewer-token"}
    assert (
        await portal.http.post("/staff/links", json={"customer_ref": ref}, headers=viewer)
    ).status_code == 403
    bad = await portal.http.post(
        "/staff/links",
        json={"customer_ref": ""},
        headers={"Authorization": "Bearer collector-token"},
    )
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "customer_ref"]
    # another tenant's staff gets a link to *its* tenant's customer of that ref: no data here
    link = await portal.link(ref, token="other-admin-token")
    headers = await portal.sign_in(link)
    page = await portal.http.get("/", headers=headers)
    assert "Dupont SARL" not in page.text


async def test_no_access_to_another_customers_invoices_or_pdfs(portal):
    mine, theirs = await portal.customer(name="Mine SA"), await portal.customer(name="Theirs SA")
    my_invoice = await portal.invoice(mine, "10.00")
    their_invoice = await portal.invoice(theirs, "99.00", pdf_url="http://127.0.0.1:9/x.pdf")
    headers = await portal.signed_in(mine)
    page = await portal.http.get("/", headers=headers)
    assert my_invoice in page.text and their_invoice not in page.text
    for path in (
        f"/invoices/{their_invoice}",
        f"/invoices/{their_invoice}/pdf",
        f"/invoices/{their_invoice}/dispute",
        "/invoices/F-NOPE",
        "/invoices/..%2F..%2Fetc",
        f"/invoices/{my_invoice}%27%20OR%201=1--",
    ):
        assert (await portal.http.get(path, headers=headers)).status_code == 404, path
    csrf = await portal.csrf(headers)
    for path, form in (
        (f"/invoices/{their_invoice}/dispute", {"reason": "other"}),
        ("/promise", {"invoices": their_invoice, "promised_date": "2099-01-01"}),
        ("/plan", {"invoices": their_invoice, "instalments": "3"}),
        ("/pay", {"invoices": their_invoice}),
    ):
        answer = await portal.http.post(path, data={"csrf": csrf, **form}, headers=headers)
        assert answer.status_code in (404, 422), (path, answer.status_code)
    assert not [e for e in portal.captured if e.routing_key.startswith("portal.")]
    # without a session: nothing at all
    for path in ("/", "/history", f"/invoices/{my_invoice}", f"/invoices/{my_invoice}/pdf"):
        assert (await portal.http.get(path)).status_code == 401
    forged = {"Cookie": "encaisse_portal=" + "A" * 43}
    assert (await portal.http.get("/", headers=forged)).status_code == 401


async def test_every_form_refuses_a_missing_or_foreign_csrf_token(portal):
    ref, other = await portal.customer(), await portal.customer()
    number = await portal.invoice(ref, "50.00")
    headers = await portal.signed_in(ref)
    foreign = await portal.csrf(await portal.signed_in(other))
    forms = {
        f"/invoices/{number}/dispute": {"reason": "other", "message": "x"},
        "/promise": {"invoices": number, "promised_date": "2099-01-01"},
        "/plan": {"invoices": number, "instalments": "3"},
        "/pay": {"invoices": number},
        await _checkout(portal, headers, number): {"outcome": "succeed"},
        "/logout": {},
    }
    for path, form in forms.items():
        for token in (None, "", foreign, "0" * 64):
            data = dict(form, **({"csrf": token} if token is not None else {}))
            answer = await portal.http.post(path, data=data, headers=headers)
            assert answer.status_code == 403, (path, token, answer.status_code)
    assert (await portal.http.get("/", headers=headers)).status_code == 200  # still signed in
    await portal.http.post("/plan", data={}, headers=headers)
    assert not [e for e in portal.captured if e.routing_key.startswith("portal.")]


async def _checkout(portal, headers: dict[str, str], number: str) -> str:
    """A pending sandbox checkout of ``number``: its page's form is one more to protect."""
    started = await portal.http.post(
        "/pay", headers=headers, data={"csrf": await portal.csrf(headers), "invoices": number}
    )
    assert started.status_code == 303
    return started.headers["location"]


async def test_a_link_post_from_another_site_is_refused(portal):
    ref = await portal.customer()
    link = (await portal.link(ref)).removeprefix(portal.url)
    form = await portal.link_form(link)  # even with the cookie and its token
    answer = await portal.open_link(link, form, Origin="https://evil.example")
    assert answer.status_code == 403
    answer = await portal.open_link(
        link, form, **{"Sec-Fetch-Site": "cross-site", "Origin": "null"}
    )
    assert answer.status_code == 403
    assert (await portal.open_link(link, form, Origin=portal.url)).status_code == 303


async def test_security_headers_on_pages(portal):
    ref = await portal.customer()
    headers = await portal.signed_in(ref)
    for path, h in (("/", headers), ("/access/request", {}), ("/history", headers)):
        answer = await portal.http.get(path, headers=h)
        csp = answer.headers["content-security-policy"]
        assert "default-src 'none'" in csp and "script-src" not in csp
        assert "frame-ancestors 'none'" in csp and "form-action 'self'" in csp
        assert answer.headers["referrer-policy"] == "no-referrer"
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["cache-control"] == "no-store"
        assert "<script" not in answer.text and " style=" not in answer.text


async def test_no_token_or_personal_data_in_logs(portal, caplog):
    caplog.set_level(logging.INFO)  # the services log at INFO
    email = "secret.person@example.com"
    ref = await portal.customer(name="Très Privé SA", email=email)
    link = await portal.link(ref)
    token = link.rsplit("/", 1)[1]
    form = await portal.link_form(link.removeprefix(portal.url))
    headers = await portal.sign_in(link)
    await portal.open_link(link.removeprefix(portal.url), form)  # replay: refused, maybe logged
    await portal.http.get("/", headers=headers)
    await portal.ask_link(email)
    session = headers["Cookie"].split("=", 1)[1]
    # the test's own HTTP client (httpx, httpcore) logs its URLs: only the server side counts
    server = [r for r in caplog.records if not r.name.startswith(("httpx", "httpcore"))]
    assert server
    text = "\n".join(r.getMessage() + repr(r.__dict__) for r in server)
    for secret in (token, session, email, "Très Privé"):
        assert secret not in text


async def test_links_and_sessions_are_stored_as_hashes_only(portal):
    ref = await portal.customer()
    link = await portal.link(ref)
    token = link.rsplit("/", 1)[1]
    session_token = (await portal.sign_in(link))["Cookie"].split("=", 1)[1]
    async with portal.runtime.sessions() as session:
        used = (
            await session.execute(select(db.used_links).where(db.used_links.c.customer_ref == ref))
        ).all()
        opened = (
            await session.execute(select(db.sessions).where(db.sessions.c.customer_ref == ref))
        ).all()
        dump = "\n".join(
            [
                str(r)
                for t in (db.used_links, db.sessions, db.revocations)
                for r in (await session.execute(select(t))).all()
            ]
        )
    assert [r.token_hash for r in used] == [token_hash(token)]
    assert [r.token_hash for r in opened] == [token_hash(session_token)]
    assert token not in dump and session_token not in dump


async def test_enumerating_invoice_checkout_and_session_ids_finds_nothing(portal):
    """Invoice numbers are guessable (F-0001...): only the session decides whose they are."""
    mine, theirs = await portal.customer(), await portal.customer()
    base = f"E{id(portal) % 10**6}-"
    numbers = {n: (mine if n % 4 == 0 else theirs) for n in range(12)}
    for n, owner in numbers.items():
        await portal.invoice(
            owner, "10.00", number=f"{base}{n:04d}", pdf_url="http://127.0.0.1:9/x.pdf"
        )
    headers = await portal.signed_in(mine)
    theirs_headers = await portal.signed_in(theirs)
    their_checkout = await _checkout(portal, theirs_headers, f"{base}0001")
    for n in range(14):  # two more than exist
        number = f"{base}{n:04d}"
        own = numbers.get(n) == mine
        for path in (f"/invoices/{number}", f"/invoices/{number}/dispute"):
            answer = await portal.http.get(path, headers=headers)
            assert answer.status_code == (200 if own else 404), (path, answer.status_code)
        for form in ("/pay", "/promise", "/plan"):
            answer = await portal.http.get(form, params={"invoices": number}, headers=headers)
            assert (answer.status_code == 200) == own, (form, number, answer.status_code)
            assert own or 'data-field="invoices"' in answer.text
    answer = await portal.http.get(their_checkout, headers=headers)
    assert answer.status_code == 404
    post = await portal.http.post(
        their_checkout,
        headers=headers,
        data={"csrf": await portal.csrf(headers), "outcome": "succeed"},
    )
    assert post.status_code == 404
    # sessions: neither guessed nor taken from another customer's link by tampering
    for guess in ("1", "A" * 43, theirs_headers["Cookie"].split("=", 1)[1][:-1] + "x"):
        assert (
            await portal.http.get("/", headers={"Cookie": f"encaisse_portal={guess}"})
        ).status_code == 401


async def test_a_session_ends_on_sign_out_and_after_its_hours(portal):
    ref = await portal.customer()
    headers = await portal.signed_in(ref)
    out = await portal.http.post(
        "/logout", data={"csrf": await portal.csrf(headers)}, headers=headers
    )
    assert out.status_code == 303 and out.headers["location"] == "/access/request"
    assert (await portal.http.get("/", headers=headers)).status_code == 401
    headers = await portal.signed_in(ref)
    hours = portal.app.state.settings.portal_session_hours
    later = datetime.now(UTC) + timedelta(hours=hours, seconds=1)
    portal.clock.set(later)
    assert (await portal.http.get("/", headers=headers)).status_code == 401
    portal.clock.set(later - timedelta(seconds=2))
    assert (await portal.http.get("/", headers=headers)).status_code == 200
