"""Sending over TLS (STARTTLS, or implicit TLS), the relay's certificate checked against a CA
file."""

from __future__ import annotations

import ssl
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from notifier_helpers import Bus, SmtpServer, email_command, eventually, running_notifier

from encaisse.contracts.notifier import FailureReason
from support.http import free_port


@contextmanager
def tls_server(
    tmp_path: Path, context_as: str, **options: Any
) -> Iterator[tuple[SmtpServer, Path]]:
    """An SMTP server with a self-signed certificate for 127.0.0.1, given to the controller
    as ``context_as`` (``tls_context``: STARTTLS, ``ssl_context``: implicit TLS)."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    server = SmtpServer(port=free_port())
    controller = Controller(
        server, hostname="127.0.0.1", port=server.port, **{context_as: context}, **options
    )
    controller.start()
    try:
        yield server, cert
    finally:
        controller.stop()


async def _send(
    database_url: str, amqp_url: str, server: SmtpServer, key: str, **settings: Any
) -> Bus:
    async with running_notifier(database_url, amqp_url, server, **settings), Bus(amqp_url) as bus:
        await bus.send(email_command(key))
        await eventually(lambda: bus.of_type("message.sent.v1") or bus.of_type("message.failed.v1"))
    return bus


async def test_starttls_with_a_checked_certificate(database_url, amqp_url, tmp_path):
    with tls_server(tmp_path, "tls_context", require_starttls=True) as (server, cert):
        sent = await _send(
            database_url, amqp_url, server, "k1", smtp_tls="starttls", smtp_ca_file=str(cert)
        )
        assert sent.of_type("message.sent.v1") and len(server.received) == 1
        # without the CA the certificate is refused: nothing is sent, the failure is reported
        refused = await _send(
            database_url, amqp_url, server, "k2", smtp_tls="starttls", send_retry_delays_ms=[]
        )
        (failed,) = refused.of_type("message.failed.v1")
        assert failed.reason == FailureReason.PROVIDER_ERROR
        assert "CERTIFICATE_VERIFY_FAILED" in failed.detail
        assert len(server.received) == 1


async def test_implicit_tls_with_a_checked_certificate(database_url, amqp_url, tmp_path):
    with tls_server(tmp_path, "ssl_context") as (server, cert):
        sent = await _send(
            database_url, amqp_url, server, "k1", smtp_tls="tls", smtp_ca_file=str(cert)
        )
        assert sent.of_type("message.sent.v1") and len(server.received) == 1
        # plain SMTP to a TLS port gets no greeting it understands: nothing is sent
        refused = await _send(
            database_url,
            amqp_url,
            server,
            "k2",
            smtp_tls="none",
            smtp_timeout_seconds=1,
            send_retry_delays_ms=[],
        )
        (failed,) = refused.of_type("message.failed.v1")
        assert failed.reason == FailureReason.PROVIDER_ERROR
        assert len(server.received) == 1
