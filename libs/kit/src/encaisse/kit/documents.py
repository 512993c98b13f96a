"""Fetching an invoice's document from where the ledger says it is, without trusting it.

An invoice's ``pdf_url`` comes from an accounting export or an API caller: fetched
as given, it would let anyone who can write an invoice make the notifier or the
portal read an internal address and hand the answer to a debtor. So a document is
fetched only

- from an origin (scheme, host, port) allowed for the invoice's tenant
  (``ENCAISSE_DOCUMENT_ORIGINS``: ``{"ACME": ["https://docs.acme.example"]}``, with
  ``"*"`` for origins every tenant may use; none by default, so nothing is fetched);
- from a public address: the host is resolved once, every address it resolves to must
  be global (no loopback, private, link-local, shared, reserved or multicast address),
  and the request goes to the address checked, not to a second resolution
  (``document_allow_private``, a development switch, lets a local test server through);
- following at most ``max_redirects`` redirects, each checked again like the first URL;
- within ``timeout_seconds`` overall and ``max_bytes`` of body, read chunk by chunk
  (a declared ``Content-Length`` over the limit is refused before reading).

``DocumentRefused``: the document will never be fetched as it is (not allowed, too
large, missing: a 4xx); ``DocumentUnavailable``: try again later (network, 5xx, time).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field

import httpx

REDIRECTS = frozenset({301, 302, 303, 307, 308})


class DocumentRefused(Exception):
    """Never fetched as it is: the sender goes on without it, saying why."""


class DocumentUnavailable(Exception):
    """Not fetched now (network, server error, too slow): worth another try later."""


def origin(url: httpx.URL) -> str:
    port = f":{url.port}" if url.port is not None else ""
    return f"{url.scheme}://{url.host}{port}".lower()


@dataclass(frozen=True)
class DocumentPolicy:
    origins: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    max_bytes: int = 5_000_000
    timeout_seconds: float = 20.0
    max_redirects: int = 3
    allow_private: bool = False

    def allowed(self, tenant: str, url: httpx.URL) -> bool:
        wanted = origin(url)
        return any(
            origin(httpx.URL(o)) == wanted
            for o in (*self.origins.get(tenant, ()), *self.origins.get("*", ()))
        )


async def fetch_document(
    http: httpx.AsyncClient, policy: DocumentPolicy, tenant: str, url: str
) -> bytes:
    """The document's bytes, or ``DocumentRefused`` / ``DocumentUnavailable``."""
    try:
        async with asyncio.timeout(policy.timeout_seconds):
            return await _follow(http, policy, tenant, _parse(url))
    except TimeoutError as exc:
        raise DocumentUnavailable(f"no answer within {policy.timeout_seconds:g} s") from exc
    except httpx.HTTPError as exc:
        raise DocumentUnavailable(f"{type(exc).__name__}: {exc}") from exc


def _parse(url: str) -> httpx.URL:
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise DocumentRefused(f"not a URL: {exc}") from exc
    if parsed.scheme not in ("http", "https") or not parsed.host or parsed.userinfo:
        raise DocumentRefused("only http(s) URLs with a host and no credentials are fetched")
    return parsed


async def _follow(
    http: httpx.AsyncClient, policy: DocumentPolicy, tenant: str, url: httpx.URL
) -> bytes:
    for _ in range(policy.max_redirects + 1):
        if not policy.allowed(tenant, url):
            raise DocumentRefused(f"{origin(url)} is not an allowed document origin")
        address = await _public_address(url, policy.allow_private)
        request = http.build_request(
            "GET",
            url.copy_with(host=address),
            headers={"Host": url.netloc.decode("ascii")},
            extensions={"sni_hostname": url.host} if url.scheme == "https" else {},
        )
        response = await http.send(request, stream=True, follow_redirects=False)
        try:
            if response.status_code in REDIRECTS and "location" in response.headers:
                url = _parse(str(url.join(response.headers["location"])))
                continue
            return await _body(response, policy.max_bytes)
        finally:
            await response.aclose()
    raise DocumentRefused(f"more than {policy.max_redirects} redirects")


async def _public_address(url: httpx.URL, allow_private: bool) -> str:
    """The address to connect to: the host's, each of which must be global."""
    try:
        found = [ipaddress.ip_address(url.host)]
    except ValueError:
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(
                url.host,
                url.port or (443 if url.scheme == "https" else 80),
                type=socket.SOCK_STREAM,
            )
        except socket.gaierror as exc:
            raise DocumentUnavailable(f"{url.host} does not resolve: {exc}") from exc
        found = [ipaddress.ip_address(info[4][0]) for info in infos]
    if not allow_private:
        for address in found:
            mapped = getattr(address, "ipv4_mapped", None) or address
            if not (address.is_global and mapped.is_global) or address.is_multicast:
                raise DocumentRefused(f"{url.host} resolves to {address}, not a public address")
    return str(found[0])


async def _body(response: httpx.Response, max_bytes: int) -> bytes:
    if 400 <= response.status_code < 500:
        raise DocumentRefused(f"not found ({response.status_code})")
    response.raise_for_status()
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise DocumentRefused(f"larger than {max_bytes} bytes")
    chunks, size = [], 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > max_bytes:
            raise DocumentRefused(f"larger than {max_bytes} bytes")
        chunks.append(chunk)
    return b"".join(chunks)
