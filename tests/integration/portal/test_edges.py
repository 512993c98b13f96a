"""The debtors' portal faces the internet: its own port serves only its pages (no API
documentation outside development, metrics on a port of their own), and HSTS over TLS."""

from __future__ import annotations

import httpx

from support.http import client, free_port
from support.services import service_app

OWN = "x" * 40


async def test_in_production_the_portal_shows_only_its_pages(database_url, amqp_url):
    metrics_port = free_port()
    app = await service_app(
        "portal",
        database_url,
        amqp_url,
        env="production",
        metrics_port=metrics_port,
        staff_tokens={OWN: {"role": "admin", "tenant": "ACME", "name": "Alice"}},
        portal_link_keys={"k1": OWN},
        portal_link_key_id="k1",
        payment_sandbox_secret=OWN,
    )
    async with client(app) as http:
        for path in ("/docs", "/openapi.json", "/redoc", "/metrics"):
            assert (await http.get(path)).status_code == 404, path
        assert (await http.get("/healthz")).status_code == 200
        async with httpx.AsyncClient() as other:
            scraped = await other.get(f"http://127.0.0.1:{metrics_port}/metrics")
        assert scraped.status_code == 200 and "encaisse_http_requests_total" in scraped.text
        behind_tls = await http.get("/healthz", headers={"X-Forwarded-Proto": "https"})
        assert behind_tls.headers["Strict-Transport-Security"].startswith("max-age=")
        assert "Strict-Transport-Security" not in (await http.get("/healthz")).headers


async def test_in_development_its_documentation_is_there(database_url, amqp_url):
    app = await service_app("portal", database_url, amqp_url)
    async with client(app) as http:
        assert (await http.get("/docs")).status_code == 200
        assert (await http.get("/metrics")).status_code == 404  # never on the public port


async def test_the_other_services_keep_metrics_on_their_port(database_url, amqp_url):
    app = await service_app("ledger", database_url, amqp_url)
    async with client(app) as http:
        assert (await http.get("/metrics")).status_code == 200
