from pathlib import Path
from typing import ClassVar, Literal

from pydantic import Field

from encaisse.kit.settings import SECRET_MIN_LENGTH, DocumentSettings, PortalLinkSettings


class NotifierSettings(PortalLinkSettings, DocumentSettings):
    service_name: ClassVar[str] = "notifier"
    secret_settings: ClassVar[dict[str, int]] = {
        **PortalLinkSettings.secret_settings,
        "webhook_secrets": SECRET_MIN_LENGTH,
    }
    development_switches: ClassVar[tuple[str, ...]] = (
        *DocumentSettings.development_switches,
        "simulation",
    )

    http_port: int = 8103

    # SMTP (aiosmtplib). tls: "none", "starttls" (upgrade after EHLO) or "tls" (implicit TLS).
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 1025
    smtp_tls: Literal["none", "starttls", "tls"] = "none"
    smtp_validate_certs: bool = True
    smtp_ca_file: Path | None = Field(default=None, description="CA bundle for the relay's cert")
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_timeout_seconds: float = 20.0
    smtp_pool_size: int = 4
    mail_from: str = "Encaisse <no-reply@encaisse.localhost>"
    senders: dict[str, str] = Field(
        default_factory=dict,
        description='JSON: {"<tenant>": "Credit team <credit@acme.example>"}; a sender per tenant',
    )
    message_id_domain: str = "encaisse.localhost"
    attachment_max_bytes: int = 5_000_000

    # The sending pool: rows claimed for a lease, transient failures retried after these delays.
    send_batch_size: int = 16
    send_lease_seconds: float = 60.0
    send_idle_seconds: float = 0.05
    send_retry_delays_ms: tuple[int, ...] = (1_000, 10_000, 60_000, 300_000, 1_800_000)

    # SMS: "sandbox" (in-process, behaves like a provider) or "http" (a provider's JSON API).
    sms_provider: Literal["sandbox", "http"] = "sandbox"
    sms_api_url: str | None = None
    sms_api_key: str | None = None
    sms_sender: str = "ENCAISSE"

    # Bounces: a maildir the MTA delivers DSNs to, read every few seconds when set
    # (with simulation on and none set: .run/bounces, where the dev SMTP server bounces).
    bounce_maildir: Path | None = None
    bounce_poll_seconds: float = 5.0

    # Provider webhooks: shared secret per provider, for the HMAC-SHA256 of the body. The
    # default lets development post reports as provider "dev" (see the README); production
    # sets its own (``{}`` for none).
    webhook_secrets: dict[str, str] = Field(
        default_factory=lambda: {"dev": "dev-webhook-secret"},
        description="JSON map provider -> shared secret",
    )

    portal_base_url: str = "http://127.0.0.1:8100"
    portal_link_days: int = 30

    # Development: the page /dev/mailbox shows what the local SMTP server kept.
    simulation: bool = False
    dev_mailbox_dir: Path = Path(".run/mailbox")

    def model_post_init(self, context: object) -> None:
        if self.simulation and self.bounce_maildir is None:
            self.bounce_maildir = Path(".run/bounces")
