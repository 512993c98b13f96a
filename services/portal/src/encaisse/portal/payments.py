"""The payment provider adapter, and its local sandbox.

A checkout goes: the portal asks the provider to start one and sends the
debtor there; the provider sends the debtor back with a signed result; the
portal checks the signature with ``confirm`` and records its result. The
sandbox is served by the portal itself (``api/sandbox.py``) in development
and tests: its page can succeed or fail, and it signs its result like a real
provider signs its return and webhook calls.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol
from urllib.parse import urlencode


class BadProviderSignature(ValueError):
    """A return or callback that the provider did not sign."""


@dataclass(frozen=True)
class CheckoutResult:
    """What the payment provider answered for a checkout: captured or not, and its reference."""

    checkout_id: str
    captured: bool
    provider_ref: str


class PaymentProvider(Protocol):
    name: str

    def start(self, checkout_id: str, amount: Decimal, currency: str) -> str:
        """Where to send the debtor to pay."""
        ...

    def confirm(self, params: Mapping[str, str]) -> CheckoutResult:
        """Check the provider's signed result; raise BadProviderSignature when forged."""
        ...


class SandboxProvider:
    name = "sandbox"

    def __init__(self, secret: str) -> None:
        self._secret = secret.encode()

    def start(self, checkout_id: str, amount: Decimal, currency: str) -> str:
        return f"/sandbox/checkout/{checkout_id}"

    def _sign(self, checkout_id: str, outcome: str, ref: str) -> str:
        return hmac.new(
            self._secret, f"{checkout_id}|{outcome}|{ref}".encode(), hashlib.sha256
        ).hexdigest()

    def finish(self, checkout_id: str, succeed: bool) -> str:
        """The sandbox's redirect back to the portal, signed like a provider's."""
        outcome = "captured" if succeed else "declined"
        ref = f"sbx_{secrets.token_hex(8)}"
        query = urlencode(
            {
                "checkout": checkout_id,
                "outcome": outcome,
                "ref": ref,
                "sig": self._sign(checkout_id, outcome, ref),
            }
        )
        return f"/pay/return?{query}"

    def confirm(self, params: Mapping[str, str]) -> CheckoutResult:
        try:
            checkout_id, outcome, ref, sig = (
                params["checkout"],
                params["outcome"],
                params["ref"],
                params["sig"],
            )
        except KeyError as exc:
            raise BadProviderSignature(f"missing {exc.args[0]}") from exc
        if outcome not in ("captured", "declined") or not hmac.compare_digest(
            self._sign(checkout_id, outcome, ref), sig
        ):
            raise BadProviderSignature("bad signature")
        return CheckoutResult(checkout_id, outcome == "captured", ref)


def provider_from(name: str, sandbox_secret: str) -> PaymentProvider:
    if name == "sandbox":
        return SandboxProvider(sandbox_secret)
    raise ValueError(f"unknown payment provider {name!r}")
