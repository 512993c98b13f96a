"""End to end: the link in a reminder opens the debtor's portal.

The notifier and the portal run on one vhost with the same link keys; a
reminder command goes to the notifier, the email reaches a real SMTP server,
and the link it carries is exchanged at the portal for a session that shows
the debtor's statement.
"""

from __future__ import annotations

import re

from aiosmtpd.controller import Controller

from encaisse.contracts import Envelope
from encaisse.contracts.common import Debtor
from integration.notifier.notifier_helpers import (
    SmtpServer,
    email_command,
    eventually,
    running_notifier,
)
from integration.portal.portal_support import LINK_KEYS, cookie_of, running_portal
from support.http import free_port


async def test_the_link_in_a_reminder_opens_the_debtors_portal(database_url, amqp_url):
    smtp = SmtpServer(port=free_port())
    controller = Controller(smtp, hostname="127.0.0.1", port=smtp.port)
    controller.start()
    try:
        async with running_portal(database_url, amqp_url) as portal:
            ref = await portal.customer("Boulangerie Martin")
            number = await portal.invoice(ref, "300.00")
            async with running_notifier(
                database_url,
                amqp_url,
                smtp,
                portal_link_keys=LINK_KEYS,
                portal_link_key_id="k1",
                portal_base_url=portal.url,
            ):
                to = f"{ref.lower()}@client.example"
                command = email_command(
                    f"e2e-{ref}",
                    to=(to,),
                    debtor=Debtor(customer_ref=ref, name="Boulangerie Martin"),
                )
                await portal.publisher.publish_envelope(Envelope(payload=command, subject=ref))
                await eventually(lambda: [m for m in smtp.received if m["To"] == to], timeout=20)
            (mail,) = [m for m in smtp.received if m["To"] == to]
            text = mail.get_body(("plain",)).get_content()
            link = re.search(r"(http://\S+/access/\S+)", text).group(1)
            assert link.startswith(f"{portal.url}/access/")
            path = link.removeprefix(portal.url)
            # a page, no side effect; its button posts the pre-session cookie and its token
            opened = await portal.open_link(path)
            assert opened.status_code == 303, opened.text
            statement = await portal.http.get("/", headers={"Cookie": cookie_of(opened)})
            assert statement.status_code == 200 and number in statement.text
            sent = await portal.events("notifier.message.sent.v1")
            assert ref in {e.payload.customer_ref for e in sent}
    finally:
        controller.stop()
