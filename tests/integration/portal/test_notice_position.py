"""A scheduler's notice carrying the customer's position: kept with the notice, shown on the
debtor's statement page (over real HTTP, the notice through RabbitMQ)."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from encaisse.contracts import Money
from encaisse.contracts.common import Debtor, Position
from encaisse.contracts.portal import PostNotice
from encaisse.portal import db
from support.statements import position_line

POSITION = Position(
    as_of=date(2026, 2, 20),
    overdue=(
        position_line("F-100", date(2026, 2, 4), 16, "1234.50"),
        position_line("U-7", date(2026, 2, 10), 10, "80.00", "USD"),
    ),
    soon_due=(position_line("F-200", date(2026, 3, 2), -10, "400.00"),),
    overdue_totals=(
        Money(amount=Decimal("1234.50"), currency="EUR"),
        Money(amount=Decimal("80.00"), currency="USD"),
    ),
    outstanding_totals=(
        Money(amount=Decimal("1634.50"), currency="EUR"),
        Money(amount=Decimal("80.00"), currency="USD"),
    ),
)


async def _notice(portal, ref: str, key: str, position: Position | None) -> None:
    envelope = await portal.publish(
        PostNotice(
            tenant=portal.tenant,
            idempotency_key=key,
            template="first_reminder",
            debtor=Debtor(customer_ref=ref, name="Dupont"),
            position=position,
        ),
        ref,
    )
    await portal.handled(envelope)


def _sent_statement(page: str) -> str:
    found = re.search(r'<details class="sent-statement">(.*?)</details>', page, re.S)
    assert found, "the notice's statement is on the page"
    return found[1]


async def test_a_notice_s_position_is_kept_and_shown_on_the_statement_page(portal):
    ref = await portal.customer(language="en")
    await _notice(portal, ref, "n-pos-" + ref, POSITION)
    kept = await portal._row(db.notices, idempotency_key="n-pos-" + ref)
    assert Position.model_validate(kept.position) == POSITION

    page = (await portal.http.get("/", headers=await portal.signed_in(ref))).text
    shown = _sent_statement(page)
    assert "The account statement sent with this reminder, as of Feb 20, 2026" in shown
    rows = re.findall(
        r"<tr><td>([^<]+)</td><td>([^<]+)</td><td>([^<]+)</td><td[^>]*>([^<]+)<", shown
    )
    assert rows == [
        ("F-100", "Feb 4, 2026", "€1,234.50", "16 d"),
        ("U-7", "Feb 10, 2026", "$80.00", "10 d"),
        ("F-200", "Mar 2, 2026", "€400.00", "not yet due"),
    ]
    totals = re.findall(r'<th scope="row" colspan="2">([^<]+)</th><td>([^<]+)</td>', shown)
    assert totals == [
        ("Total overdue (EUR)", "€1,234.50"),
        ("Total overdue (USD)", "$80.00"),
        ("Total outstanding (EUR)", "€1,634.50"),
        ("Total outstanding (USD)", "$80.00"),
    ]


async def test_the_newest_notice_s_statement_is_the_one_shown(portal):
    ref = await portal.customer(language="fr")
    await _notice(portal, ref, "n-old-" + ref, POSITION)
    newer = POSITION.model_copy(update={"as_of": date(2026, 2, 27), "soon_due": ()})
    await _notice(portal, ref, "n-new-" + ref, newer)
    page = (await portal.http.get("/", headers=await portal.signed_in(ref))).text
    assert page.count('<details class="sent-statement">') == 1
    shown = _sent_statement(page)
    assert "Le relevé de compte joint à ce rappel, au 27 févr. 2026" in shown
    assert "F-200" not in shown and "à échoir" not in shown
    assert "Total échu (EUR)" in shown and "1\u202f234,50\xa0€" in shown


async def test_a_notice_without_a_position_shows_as_before(portal):
    ref = await portal.customer()
    await _notice(portal, ref, "n-bare-" + ref, None)
    kept = await portal._row(db.notices, idempotency_key="n-bare-" + ref)
    assert kept.position is None
    page = (await portal.http.get("/", headers=await portal.signed_in(ref))).text
    assert "Un rappel concerne vos factures" in page and "sent-statement" not in page
