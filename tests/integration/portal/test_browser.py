"""The portal in Debian's Chromium (headless, through Playwright) on a phone-sized screen.

Open a link, see the invoices, dispute one, promise on another, pay a third.
Screenshots are kept under test-artifacts/portal/.
"""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest

from integration.portal.portal_support import Portal

playwright = pytest.importorskip("playwright.async_api")

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts" / "portal"
PHONE = {"width": 390, "height": 844}

pytestmark = pytest.mark.skipif(
    not shutil.which(CHROMIUM), reason="Chromium missing: run scripts/test-setup.sh"
)


@pytest.fixture
async def phone():
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    async with playwright.async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        context = await browser.new_context(
            viewport=PHONE, device_scale_factor=1, locale="fr-FR", is_mobile=True, has_touch=True
        )
        page = await context.new_page()
        yield page
        await browser.close()


# WCAG 2.1 contrast of every piece of visible text against the background it is drawn
# on (the nearest ancestor that paints one): 4.5:1, or 3:1 for large text.
CONTRAST = """() => {
  const rgb = c => (c.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => [r, g, b].map(v => v / 255)
      .map(v => v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4)
      .reduce((sum, v, i) => sum + v * [0.2126, 0.7152, 0.0722][i], 0);
  const background = el => {
    for (; el; el = el.parentElement) {
      const c = rgb(getComputedStyle(el).backgroundColor);
      if (c.length === 3 || c[3] > 0) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const bad = [];
  for (const el of document.querySelectorAll('body *')) {
    const text = [...el.childNodes].filter(n => n.nodeType === 3 && n.textContent.trim());
    const style = getComputedStyle(el);
    if (!text.length || !el.getClientRects().length || style.visibility === 'hidden') continue;
    const box = el.getBoundingClientRect();
    if (box.right < 0 || box.bottom < 0) continue;  // the skip link, off screen until focused
    const [a, b] = [lum(rgb(style.color).slice(0, 3)), lum(background(el))];
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    const size = parseFloat(style.fontSize), bold = parseInt(style.fontWeight) >= 700;
    const large = size >= 24 || (bold && size >= 18.66);
    if (ratio < (large ? 3 : 4.5))
      bad.push(`${el.tagName} "${el.textContent.trim()}" ${ratio.toFixed(2)}`);
  }
  return bad;
}"""


async def _shot(page, name: str) -> None:
    """Keep a screenshot; check, on the way, that the page reads well on the phone."""
    await page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    assert await page.evaluate(CONTRAST) == [], name
    wide = await page.evaluate("document.documentElement.scrollWidth")
    assert wide <= PHONE["width"], f"{name}: {wide}px wide, no sideways scrolling on a phone"


async def test_a_debtor_disputes_promises_and_pays_in_a_browser(portal: Portal, phone):
    page = phone
    ref = await portal.customer(name="Boulangerie Martin")
    disputed = await portal.invoice(ref, "1250.00", due_days_ago=20)
    promised = await portal.invoice(ref, "480.40", due_days_ago=5)
    paid = await portal.invoice(ref, "99.90", due_days_ago=-3)
    link = await portal.link(ref)

    await page.goto(link)
    await _shot(page, "01-link")
    await page.get_by_role("button", name="Ouvrir mon espace").click()
    await page.wait_for_url(f"{portal.url}/")
    await page.get_by_role("heading", name="Relevé de compte").wait_for()
    for number in (disputed, promised, paid):
        assert await page.locator(f"#invoice-{number}").is_visible()
    assert "1\u202f830,30" in await page.locator(".total").inner_text()
    cookies = await page.context.cookies()
    session = next(c for c in cookies if c["name"] == "encaisse_portal")
    assert session["httpOnly"] and session["secure"] and session["sameSite"] == "Lax"
    await _shot(page, "02-statement")

    # dispute the first, with a PDF
    await page.get_by_role("link", name=f"Voir {disputed}").click()
    await page.get_by_role("link", name="Contester cette facture").click()
    await page.get_by_label("Montant erroné").check()
    await page.get_by_label("Votre message").fill("Remise de 10 % oubliée.")
    await page.get_by_label("Pièce jointe").set_input_files(
        files=[{"name": "bon.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n%%EOF\n"}]
    )
    await _shot(page, "03-dispute")
    await page.get_by_role("button", name="Envoyer").click()
    await page.get_by_text("Votre contestation est enregistrée").wait_for()
    await _shot(page, "04-dispute-done")
    [dispute] = await portal.events("portal.dispute.opened.v1")
    assert dispute.payload.invoice_number == disputed

    # promise to pay the second, with the keyboard
    await page.get_by_role("link", name="Retour au relevé").click()
    await page.get_by_label(f"Facture {promised}").check()
    await page.get_by_role("button", name="Promettre de payer").click()
    when = date.today() + timedelta(days=10)
    await page.get_by_label("Date de paiement promise").fill(when.isoformat())
    await page.get_by_label("Date de paiement promise").press("Enter")
    await page.get_by_text("promesse de paiement est enregistrée").wait_for()
    [promise] = await portal.events("portal.promise.made.v1")
    assert promise.payload.invoice_numbers == (promised,)
    assert promise.payload.promised_date == when

    # pay the third through the sandbox checkout
    await page.get_by_role("link", name="Retour au relevé").click()
    await page.get_by_label(f"Facture {paid}").check()
    await page.get_by_role("button", name="Payer la sélection").click()
    await page.get_by_role("button", name="Confirmer").click()
    await page.get_by_role("heading", name="Paiement de test").wait_for()
    await _shot(page, "05-checkout")
    await page.get_by_role("button", name="Payer", exact=True).click()
    await page.get_by_text("votre paiement est accepté").wait_for()
    await _shot(page, "06-paid")
    [captured] = await portal.events("portal.payment.captured.v1")
    assert captured.payload.allocations[0].invoice_number == paid
    assert str(captured.payload.amount.amount) == "99.90"

    await page.get_by_role("link", name="Retour au relevé").click()
    await page.get_by_text("Paiement en cours").wait_for()
    await _shot(page, "07-statement-after")


async def _tab_to(page, label: str, limit: int = 40) -> None:
    """Press Tab until the focused element is named ``label``; it must show its focus."""
    for _ in range(limit):
        await page.keyboard.press("Tab")
        name = await page.evaluate("""() => { const e = document.activeElement;
            return (e.labels && e.labels.length ? e.labels[0].textContent : e.textContent)
                .trim(); }""")
        if name == label:
            outline = await page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
            assert outline != "none", f"{label} shows no focus"
            return
    raise AssertionError(f"Tab never reached {label!r}")


async def test_keyboard_only_and_labelled_pages(portal: Portal, phone):
    page = phone
    ref = await portal.customer(language="en")
    number = await portal.invoice(ref, "10.00")
    await page.goto(await portal.link(ref))
    await page.keyboard.press("Tab")  # skip link first
    await page.keyboard.press("Tab")
    focused = await page.evaluate("document.activeElement.textContent")
    assert "Ouvrir mon espace" in focused  # before sign-in: the browser's language
    await page.keyboard.press("Enter")
    await page.get_by_role("heading", name="Account statement").wait_for()  # the customer's
    await _shot(page, "08-statement-en")
    unlabelled = await page.evaluate("""() => [...document.querySelectorAll(
        'input:not([type=hidden]), textarea, select')].filter(e => !e.labels.length).length""")
    assert unlabelled == 0
    # ask for a payment plan with the keyboard alone
    await _tab_to(page, f"Invoice {number}")
    await page.keyboard.press("Space")
    await _tab_to(page, "Ask for a payment plan")
    await page.keyboard.press("Enter")
    await page.wait_for_url("**/plan?**")
    await page.get_by_role("heading", name="Ask for a payment plan").wait_for()
    await _shot(page, "09-plan")
    await _tab_to(page, "Number of instalments")
    await page.keyboard.press("Control+A")
    await page.keyboard.type("4")
    await page.keyboard.press("Enter")
    await page.get_by_text("Your request for a payment plan has been sent").wait_for()
    await _shot(page, "10-plan-done")
    [plan] = await portal.events("portal.plan.requested.v1")
    assert plan.payload.instalments == 4 and plan.payload.invoice_numbers == (number,)
    # a tampered link shows a refusal page, not the statement
    await page.goto(f"{portal.url}/access/not-a-token")
    await page.get_by_text("n'est plus valable").wait_for()
    await _shot(page, "11-invalid-link")
