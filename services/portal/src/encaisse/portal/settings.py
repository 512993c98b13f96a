from datetime import timedelta
from typing import ClassVar

from pydantic import Field

from encaisse.kit.settings import SECRET_MIN_LENGTH, DocumentSettings, PortalLinkSettings


class PortalSettings(PortalLinkSettings, DocumentSettings):
    service_name: ClassVar[str] = "portal"
    secret_settings: ClassVar[dict[str, int]] = {
        **PortalLinkSettings.secret_settings,
        "payment_sandbox_secret": SECRET_MIN_LENGTH,
    }

    http_port: int = 8100
    portal_base_url: str = "http://127.0.0.1:8100"
    portal_link_ttl_days: int = Field(default=30, ge=1, le=365)
    portal_session_hours: int = Field(default=8, ge=1, le=72)
    portal_cookie_secure: bool = True
    portal_promise_max_days: int = Field(
        default=30,
        ge=1,
        le=365,
        description="default limit of a promise to pay, for a tenant that set none",
    )
    portal_link_requests_per_hour: int = Field(
        default=3, ge=1, description="per email address and per client"
    )
    portal_purge_interval_seconds: int = Field(
        default=3600,
        ge=1,
        description="how often expired sessions, spent links and old link requests are deleted",
    )
    portal_purge_batch_size: int = Field(default=1000, ge=1, le=100_000)
    portal_attachment_max_bytes: int = 5 * 1024 * 1024
    payment_provider: str = Field(default="sandbox", description="sandbox (local checkout)")
    payment_sandbox_secret: str = "dev-payment-sandbox-secret"

    @property
    def current_link_key(self) -> str:
        """The current link key: it also signs the CSRF tokens of the forms before sign-in."""
        return self.portal_link_keys[self.portal_link_key_id]

    @property
    def session_ttl(self) -> timedelta:
        return timedelta(hours=self.portal_session_hours)

    @property
    def link_ttl(self) -> timedelta:
        return timedelta(days=self.portal_link_ttl_days)
