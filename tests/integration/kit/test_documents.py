"""Invoice documents are fetched only from allowed origins and public addresses, within
limits of size and time, and every redirect is checked like the first URL."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from fastapi import FastAPI
from fastapi.responses import RedirectResponse, Response, StreamingResponse

from encaisse.kit.documents import (
    DocumentPolicy,
    DocumentRefused,
    DocumentUnavailable,
    fetch_document,
)
from support.http import serve

PDF = b"%PDF-1.4 an invoice"


HUGE_CHUNKS = 1024  # 64 MB


def documents(hits: list[str], other: str = "", streamed: list[int] | None = None) -> FastAPI:
    app = FastAPI()

    @app.middleware("http")
    async def count(request, call_next):
        hits.append(f"{request.headers['host']}{request.url.path}")
        return await call_next(request)

    @app.get("/ok.pdf")
    async def ok() -> Response:
        return Response(PDF, media_type="application/pdf")

    @app.get("/secret")
    async def secret() -> Response:
        return Response(b"internal secret")

    @app.get("/away")
    async def away() -> RedirectResponse:
        return RedirectResponse(f"{other}/secret")

    @app.get("/here")
    async def here() -> RedirectResponse:
        return RedirectResponse("/ok.pdf")

    @app.get("/loop")
    async def loop() -> RedirectResponse:
        return RedirectResponse("/loop")

    @app.get("/huge")
    async def huge() -> StreamingResponse:
        async def chunks():
            for _ in range(HUGE_CHUNKS):  # no Content-Length
                if streamed is not None:
                    streamed.append(1)
                yield b"0" * 65536

        return StreamingResponse(chunks(), media_type="application/pdf")

    @app.get("/declared")
    async def declared() -> Response:
        return Response(b"0" * 2_000_000, media_type="application/pdf")

    @app.get("/slow")
    async def slow() -> Response:
        await asyncio.sleep(3)
        return Response(PDF)

    return app


@pytest.fixture
async def two_servers():
    """A document server (allowed) and an internal one (not allowed) it may redirect to;
    yields the client, both base URLs, the requests each received, the chunks streamed."""
    internal_hits: list[str] = []
    async with serve(documents(internal_hits)) as internal:
        hits: list[str] = []
        streamed: list[int] = []
        async with (
            serve(documents(hits, other=internal, streamed=streamed)) as base,
            httpx.AsyncClient(timeout=5) as http,
        ):
            yield http, base, internal, hits, internal_hits, streamed


def policy(*origins: str, **kw) -> DocumentPolicy:
    return DocumentPolicy(
        origins={"ACME": origins},
        allow_private=True,
        **{"max_bytes": 1_000_000, "timeout_seconds": 1.0, **kw},
    )


async def test_an_allowed_origin_is_fetched_and_its_redirects_followed(two_servers):
    http, base, _, hits, _, _ = two_servers
    assert await fetch_document(http, policy(base), "ACME", f"{base}/ok.pdf") == PDF
    assert await fetch_document(http, policy(base), "ACME", f"{base}/here") == PDF
    host = base.removeprefix("http://")
    assert hits == [f"{host}/ok.pdf", f"{host}/here", f"{host}/ok.pdf"]  # the Host kept
    every = DocumentPolicy(origins={"*": (base,)}, allow_private=True)
    assert await fetch_document(http, every, "OTHER", f"{base}/ok.pdf") == PDF


async def test_nothing_is_asked_of_an_origin_not_allowed_even_through_a_redirect(two_servers):
    http, base, internal, hits, internal_hits, _ = two_servers
    with pytest.raises(DocumentRefused, match="not an allowed document origin"):
        await fetch_document(http, policy(base), "ACME", f"{internal}/secret")
    with pytest.raises(DocumentRefused, match="not an allowed document origin"):
        await fetch_document(http, policy(base), "OTHER", f"{base}/ok.pdf")  # ACME's only
    with pytest.raises(DocumentRefused, match="not an allowed document origin"):
        await fetch_document(http, policy(base), "ACME", f"{base}/away")
    assert internal_hits == [] and hits == [f"{base.removeprefix('http://')}/away"]
    with pytest.raises(DocumentRefused, match="more than 3 redirects"):
        await fetch_document(http, policy(base), "ACME", f"{base}/loop")


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:{port}/ok.pdf",
        "http://localhost:{port}/ok.pdf",
        "http://[::ffff:127.0.0.1]:{port}/ok.pdf",
        "http://169.254.169.254/latest/meta-data",
        "http://10.0.0.7/x.pdf",
        "http://[fe80::1]/x.pdf",
        "http://0.0.0.0:{port}/ok.pdf",
    ],
)
async def test_loopback_private_and_link_local_addresses_are_refused(two_servers, url):
    http, base, _, hits, _, _ = two_servers
    url = url.format(port=base.rsplit(":", 1)[1])
    origin = url.split("/", 3)
    strict = DocumentPolicy(origins={"ACME": ("/".join(origin[:3]),)}, timeout_seconds=2)
    with pytest.raises(DocumentRefused, match="not a public address"):
        await fetch_document(http, strict, "ACME", url)
    assert hits == []


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://user:pw@docs.example/x.pdf",
        "ftp://docs.example/x.pdf",
        "not a url at all",
    ],
)
async def test_urls_that_are_not_plain_http_are_refused(url):
    async with httpx.AsyncClient() as http:
        with pytest.raises(DocumentRefused):
            await fetch_document(http, DocumentPolicy(origins={"*": (url,)}), "ACME", url)


async def test_size_and_time_are_bounded_and_the_body_read_incrementally(two_servers):
    http, base, _, _, _, streamed = two_servers
    with pytest.raises(DocumentRefused, match="larger than 1000000 bytes"):
        await fetch_document(http, policy(base), "ACME", f"{base}/huge")
    await asyncio.sleep(0.3)
    assert len(streamed) < HUGE_CHUNKS, "the connection is dropped once past the limit"
    with pytest.raises(DocumentRefused, match="larger than 1000000 bytes"):
        await fetch_document(http, policy(base), "ACME", f"{base}/declared")
    with pytest.raises(DocumentUnavailable, match="no answer within 1 s"):
        await fetch_document(http, policy(base), "ACME", f"{base}/slow")
