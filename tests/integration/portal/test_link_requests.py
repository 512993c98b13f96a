"""Asking for a new link by email: the same answer known or not, limited, CSRF-protected."""

from __future__ import annotations

import re

from integration.portal.portal_support import cookie_of


async def test_asking_for_a_link_answers_the_same_and_is_rate_limited(portal):
    email = f"billing-{re.sub(r'[^a-z0-9]', '', portal.tenant.lower())}-{id(portal)}@example.com"
    ref = await portal.customer(email=email)
    moment = portal.stop_clock()
    page = await portal.http.get("/access/request")
    assert page.status_code == 200 and 'type="email"' in page.text
    known = await portal.ask_link(email.upper())
    unknown = await portal.ask_link("nobody@example.com")
    assert known.status_code == unknown.status_code == 200
    assert known.text == unknown.text
    sent = await portal.events("notifier.send_email.v1")
    assert len(sent) == 1
    command = sent[0].payload
    assert command.to == (email,) and command.debtor.customer_ref == ref
    assert command.template == "portal_link" and command.include_portal_link
    for _ in range(4):  # the limit is 3 an hour per address
        again = await portal.ask_link(email)
        assert again.text == known.text
    await portal.until(portal.outbox_empty)
    assert len([e for e in portal.captured if e.routing_key == "notifier.send_email.v1"]) == 3
    assert await portal.requests_at(moment) == 4  # 3 for the address, 1 for the unknown one
    missing = await portal.ask_link(None)
    assert missing.status_code == 422 and "email" in missing.text


async def test_asking_for_links_is_limited_per_client_too(portal):
    """One client asking for many addresses: 5 times the per-address limit an hour."""
    moment = portal.stop_clock()
    answers = [await portal.ask_link(f"spray-{n}-{id(portal)}@example.com") for n in range(17)]
    assert len({(a.status_code, a.text) for a in answers}) == 1
    assert await portal.requests_at(moment) == 15  # past the limit: same answer, not counted


async def test_asking_for_a_link_needs_the_forms_token_and_cookie(portal):
    email = f"csrf-{id(portal)}@example.com"
    await portal.customer(email=email)
    moment = portal.stop_clock()
    page = await portal.http.get("/access/request")
    cookie = page.headers["set-cookie"].lower()
    for flag in ("httponly", "secure", "samesite=strict", "path=/access/request"):
        assert flag in cookie
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    other = await portal.http.get("/access/request")
    attempts = [
        ({"email": email}, {}),  # no token, no cookie
        ({"email": email, "csrf": csrf}, {}),  # no cookie
        ({"email": email}, {"Cookie": cookie_of(page)}),  # no token
        ({"email": email, "csrf": csrf}, {"Cookie": cookie_of(other)}),  # another cookie
        ({"email": email, "csrf": "0" * 64}, {"Cookie": cookie_of(page)}),
    ]
    for data, headers in attempts:
        answer = await portal.http.post("/access/request", data=data, headers=headers)
        assert answer.status_code == 403, (data, headers)
    cross = await portal.ask_link(email, **{"Sec-Fetch-Site": "cross-site"})
    assert cross.status_code == 403
    assert await portal.requests_at(moment) == 0
    assert (await portal.ask_link(email)).status_code == 200
    assert await portal.requests_at(moment) == 1
    [sent] = await portal.events("notifier.send_email.v1")
    assert sent.payload.to == (email,)
