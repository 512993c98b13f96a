from datetime import UTC, datetime, timedelta

import pytest

from encaisse.kit.links import InvalidLink, sign_link, verify_link

KEYS = {"k1": "secret-one", "k2": "secret-two"}
NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)


def test_a_signed_link_names_tenant_customer_and_expiry():
    token = sign_link(KEYS, "k2", "ACME", "C-42", now=NOW, ttl=timedelta(days=7))
    claims = verify_link(KEYS, token, now=NOW + timedelta(days=6))
    assert (claims.tenant, claims.customer_ref, claims.key_id) == ("ACME", "C-42", "k2")
    assert claims.expires_at == NOW + timedelta(days=7)


def test_expired_tampered_and_unknown_key_links_are_refused():
    token = sign_link(KEYS, "k1", "ACME", "C-42", now=NOW, ttl=timedelta(days=1))
    with pytest.raises(InvalidLink, match="expired"):
        verify_link(KEYS, token, now=NOW + timedelta(days=1))
    body, mac = token.split(".")
    other = sign_link(KEYS, "k1", "ACME", "C-43", now=NOW).split(".")[0]
    with pytest.raises(InvalidLink):
        verify_link(KEYS, f"{other}.{mac}", now=NOW)
    with pytest.raises(InvalidLink):
        verify_link({"k2": "secret-two"}, token, now=NOW)
    with pytest.raises(InvalidLink):
        verify_link(KEYS, "garbage", now=NOW)


def test_two_links_for_the_same_customer_differ():
    assert sign_link(KEYS, "k1", "A", "C", now=NOW) != sign_link(KEYS, "k1", "A", "C", now=NOW)
