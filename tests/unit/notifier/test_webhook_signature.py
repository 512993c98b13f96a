"""Checking a provider's signature of a webhook body: no I/O."""

import hashlib
import hmac

from encaisse.notifier.api.webhooks import signature_ok

BODY = b'{"message_id": "m-1", "status": "delivered"}'
GOOD = "sha256=" + hmac.new(b"s3cret", BODY, hashlib.sha256).hexdigest()


def test_the_hmac_of_the_body_with_the_providers_secret_is_accepted():
    assert signature_ok("s3cret", BODY, GOOD)
    assert signature_ok("s3cret", BODY, f" {GOOD} ")


def test_another_secret_body_or_form_is_refused():
    assert not signature_ok("other", BODY, GOOD)
    assert not signature_ok("s3cret", BODY + b" ", GOOD)
    assert not signature_ok("s3cret", BODY, GOOD.removeprefix("sha256="))
    assert not signature_ok("s3cret", BODY, None)


def test_a_header_with_non_ascii_characters_is_refused_not_an_error():
    assert not signature_ok("s3cret", BODY, "sha256=é" + GOOD[8:])
