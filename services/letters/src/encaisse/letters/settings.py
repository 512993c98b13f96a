from pathlib import Path
from typing import ClassVar

from pydantic import Field

from encaisse.kit.settings import PortalLinkSettings


class LettersSettings(PortalLinkSettings):
    service_name: ClassVar[str] = "letters"
    secret_settings: ClassVar[dict[str, int]] = {
        **PortalLinkSettings.secret_settings,
        "postal_api_key": 0,
    }
    development_switches: ClassVar[tuple[str, ...]] = ("test_crash_after_submit",)

    http_port: int = 8104
    portal_base_url: str = "http://127.0.0.1:8100"
    portal_link_days: int = 60
    postal_url: str = Field("http://127.0.0.1:8190", description="the postal provider's API")
    postal_api_key: str = "sandbox-key"
    postal_webhook_url: str | None = Field(
        None, description="where the provider calls us back; default: this service's own address"
    )
    postal_poll_seconds: float = Field(
        5.0,
        description="how often the tracker looks for due polls; a sending's first poll "
        "after a change waits this long, then each poll that finds nothing new waits twice as "
        "long as the one before",
    )
    postal_poll_max_seconds: float = Field(3600.0, description="the longest wait between polls")
    dispatch_idle_seconds: float = 1.0
    storage_dir: Path = Path(".run/letters")
    sender_name: str = "Encaisse Démo SAS"
    sender_lines: tuple[str, ...] = ("Service recouvrement", "10 rue de la Paix")
    sender_postal_code: str = "75002"
    sender_city: str = "Paris"
    sender_country: str = "FR"
    sender_legal: str = "SAS au capital de 100 000 EUR · RCS Paris 123 456 789"
    test_crash_after_submit: bool = Field(
        False,
        description="test hook: die (SIGKILL) after the provider accepted a submission "
        "and before it is recorded; never set in production",
    )
