"""Sending over STARTTLS, the relay's certificate checked against a CA file."""

from __future__ import annotations

import ssl
import subprocess

from aiosmtpd.controller import Controller
from notifier_helpers import Bus, SmtpServer, email_command, eventually, running_notifier

from encaisse.contracts.notifier import FailureReason
from support.http import free_port


def _self_signed(tmp_path):
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True)
    return cert, key


async def test_starttls_with_a_checked_certificate(database_url, amqp_url, tmp_path):
    cert, key = _self_signed(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    server = SmtpServer(port=free_port())
    controller = Controller(server, hostname="127.0.0.1", port=server.port,
                            tls_context=context, require_starttls=True)
    controller.start()
    try:
        async with running_notifier(database_url, amqp_url, server, smtp_tls="starttls",
                                    smtp_ca_file=str(cert)), Bus(amqp_url) as bus:
            await bus.send(email_command())
            await eventually(lambda: bus.of_type("message.sent.v1"))
        assert len(server.received) == 1
        # without the CA the certificate is refused: nothing is sent, the failure is reported
        async with running_notifier(database_url, amqp_url, server, smtp_tls="starttls",
                                    send_retry_delays_ms=[]), Bus(amqp_url) as bus:
            await bus.send(email_command("other-key"))
            await eventually(lambda: bus.of_type("message.failed.v1"))
        failed = bus.of_type("message.failed.v1")[0]
        assert failed.reason == FailureReason.PROVIDER_ERROR
        assert "CERTIFICATE_VERIFY_FAILED" in failed.detail
        assert len(server.received) == 1
    finally:
        controller.stop()
