"""A new link asked for by email arrives through the real notifier and opens the portal.

The portal and the notifier run on one vhost with the same link keys; the
debtor asks for a link on the portal's page; the notifier sends the
``portal_link`` email to a real SMTP server; its link opens the statement.
"""

from __future__ import annotations

import re

from aiosmtpd.controller import Controller

from integration.notifier.notifier_helpers import SmtpServer, eventually, running_notifier
from integration.portal.portal_support import LINK_KEYS, running_portal
from support.http import free_port

TENANTS_TEMPLATE = """{% extends layout %}
{% block subject %}Votre lien vers votre espace client{% endblock %}
{% block message %}
Bonjour {{ debtor.name }},

Voici le lien demandé.
{% endblock %}
"""


async def _asked_link_opens_the_statement(
    database_url: str, amqp_url: str, tenants_template: str | None
) -> None:
    smtp = SmtpServer(port=free_port())
    controller = Controller(smtp, hostname="127.0.0.1", port=smtp.port)
    controller.start()
    try:
        async with running_portal(database_url, amqp_url) as portal:
            to = f"ask-{id(portal)}@client.example"
            ref = await portal.customer("Boulangerie Martin", email=to)
            number = await portal.invoice(ref, "42.00")
            async with running_notifier(
                database_url,
                amqp_url,
                smtp,
                portal_link_keys=LINK_KEYS,
                portal_link_key_id="k1",
                portal_base_url=portal.url,
            ) as notifier:
                if tenants_template:
                    saved = await notifier.put(
                        "/v1/templates/portal_link/fr", json={"source": tenants_template}
                    )
                    assert saved.status_code == 200, saved.text
                try:
                    assert (await portal.ask_link(to)).status_code == 200
                    await eventually(
                        lambda: [m for m in smtp.received if m["To"] == to], timeout=15
                    )
                finally:  # the run's other tests share the notifier's tables
                    if tenants_template:
                        await notifier.delete("/v1/templates/portal_link/fr")
            (mail,) = [m for m in smtp.received if m["To"] == to]
            text = mail.get_body(("plain",)).get_content()
            assert (
                "Voici le lien demandé."
                if tenants_template
                else "Voici le lien vers votre espace client que vous avez demandé."
            ) in text
            assert number not in text  # the command carries no invoices
            link = re.search(r"(http://\S+/access/\S+)", text).group(1)
            headers = await portal.sign_in(link)
            statement = await portal.http.get("/", headers=headers)
            assert statement.status_code == 200 and number in statement.text
    finally:
        controller.stop()


async def test_with_the_tenants_portal_link_template(database_url, amqp_url):
    await _asked_link_opens_the_statement(database_url, amqp_url, TENANTS_TEMPLATE)


async def test_with_the_notifiers_default_templates(database_url, amqp_url):
    await _asked_link_opens_the_statement(database_url, amqp_url, None)
