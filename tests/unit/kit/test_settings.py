"""Outside development, a service refuses development secrets and switches, naming them."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from pydantic import ValidationError

from encaisse.letters.settings import LettersSettings
from encaisse.notifier.settings import NotifierSettings
from encaisse.portal.settings import PortalSettings
from encaisse.scheduler.settings import SchedulerSettings

OWN = "x" * 40
OWN_SECRETS = {
    PortalSettings: {"portal_link_keys": {"k1": OWN}, "payment_sandbox_secret": OWN},
    NotifierSettings: {
        "portal_link_keys": {"k1": OWN},
        "portal_link_key_id": "k1",
        "webhook_secrets": {},
    },
    LettersSettings: {
        "portal_link_keys": {"k1": OWN},
        "portal_link_key_id": "k1",
        "postal_api_key": "the-provider-s-key",
    },
    SchedulerSettings: {},
}


@pytest.mark.parametrize(
    ("cls", "setting"),
    [
        (PortalSettings, "PORTAL_LINK_KEYS"),
        (PortalSettings, "PAYMENT_SANDBOX_SECRET"),
        (NotifierSettings, "PORTAL_LINK_KEYS"),
        (NotifierSettings, "WEBHOOK_SECRETS"),
        (LettersSettings, "PORTAL_LINK_KEYS"),
        (LettersSettings, "POSTAL_API_KEY"),
    ],
)
def test_production_refuses_a_development_default_naming_the_setting(cls, setting):
    own = {k: v for k, v in OWN_SECRETS[cls].items() if k.upper() != setting}
    with pytest.raises(
        ValidationError, match=f"ENCAISSE_{setting} still holds its development default"
    ):
        cls(_env_file=None, env="production", **own)
    assert cls(_env_file=None, env="development", **own)  # what make run and the tests use


@pytest.mark.parametrize("cls", list(OWN_SECRETS))
def test_production_accepts_its_own_secrets_and_refuses_short_ones_and_dev_switches(cls):
    cls(_env_file=None, env="production", **OWN_SECRETS[cls])
    with pytest.raises(ValidationError, match="ENCAISSE_STAFF_TOKENS holds a secret shorter"):
        cls(
            _env_file=None,
            env="production",
            **OWN_SECRETS[cls],
            staff_tokens={"dev-admin-token": {"role": "admin", "tenant": "ACME"}},
        )
    for switch in cls.development_switches:
        with pytest.raises(
            ValidationError, match=f"ENCAISSE_{switch.upper()} is for development only"
        ):
            cls(_env_file=None, env="production", **OWN_SECRETS[cls], **{switch: True})


def test_production_is_the_default_and_a_short_link_key_is_refused():
    env = {k: v for k, v in os.environ.items() if not k.startswith("ENCAISSE_")}
    with pytest.raises(ValidationError, match="ENCAISSE_PORTAL_LINK_KEYS holds a secret short"):
        PortalSettings(
            _env_file=None,
            env="production",
            payment_sandbox_secret=OWN,
            portal_link_keys={"dev": "short"},
        )
    done = subprocess.run(
        [sys.executable, "-m", "encaisse.portal"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert "encaisse.portal refuses to start" in done.stderr
    assert "ENCAISSE_PORTAL_LINK_KEYS still holds its development default" in done.stderr
    assert "Traceback" not in done.stderr
