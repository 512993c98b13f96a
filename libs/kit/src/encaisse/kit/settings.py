"""Settings from environment variables prefixed ``ENCAISSE_``.

Each service subclasses ``ServiceSettings`` and sets its own default port.
Settings are built in the service's lifespan or entry point, never at import.

``ENCAISSE_ENV`` is ``production`` unless set to ``development`` (which ``make run``,
the development overlay and the tests set). Secrets have development defaults so
that a fresh clone runs; outside development a service refuses to start, naming the
setting, while a secret keeps its development default or is shorter than its
minimum length (``secret_settings``), or while a development switch
(``development_switches``: simulation, test hooks) is on.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal, Self

from pydantic import BaseModel, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from encaisse.kit.auth import Role
from encaisse.kit.documents import DocumentPolicy


class StaffTokenConfig(BaseModel):
    role: Role
    tenant: str = Field(min_length=1)
    name: str = "staff"


SECRET_MIN_LENGTH = 32


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ENCAISSE_", extra="ignore")

    service_name: ClassVar[str] = "service"
    # setting -> the shortest value accepted outside development (0: a provider's key,
    # whatever its length); a dict's values are checked (its keys for staff tokens)
    secret_settings: ClassVar[dict[str, int]] = {"staff_tokens": SECRET_MIN_LENGTH}
    development_switches: ClassVar[tuple[str, ...]] = ()

    env: Literal["development", "production"] = Field(
        "production", description="development lets development secrets and switches through"
    )

    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/encaisse"
    amqp_url: str = "amqp://guest:guest@127.0.0.1:5672/"
    http_host: str = "127.0.0.1"
    http_port: int = 8000
    log_level: str = "INFO"
    log_json: bool = True
    staff_tokens: dict[str, StaffTokenConfig] = Field(
        default_factory=dict,
        description='JSON: {"<token>": {"role": "admin", "tenant": "ACME"}}; development only',
    )
    relay_batch_size: int = 500
    relay_idle_seconds: float = 0.05
    retry_delays_ms: tuple[int, ...] = (1_000, 10_000, 60_000, 300_000)
    db_pool_size: int = 10
    shutdown_grace_seconds: float = 10.0
    metrics_port: int | None = Field(
        None,
        description="also serve /metrics on this port (the portal serves them only "
        "there: its own port faces the internet)",
    )
    unrouted_watch_seconds: float = Field(
        30.0, gt=0, description="how often encaisse_unrouted_messages is refreshed"
    )

    @field_validator("database_url")
    @classmethod
    def _asyncpg(cls, url: str) -> str:
        for prefix in ("postgresql://", "postgres://"):
            if url.startswith(prefix):
                return "postgresql+asyncpg://" + url[len(prefix) :]
        return url

    @model_validator(mode="after")
    def _production_safe(self) -> Self:
        if self.env == "development":
            return self
        for name in self.development_switches:
            if getattr(self, name):
                raise ValueError(
                    f"ENCAISSE_{name.upper()} is for development only; it is on "
                    "while ENCAISSE_ENV is production"
                )
        for name, min_length in self.secret_settings.items():
            problem = _secret_problem(self, name, min_length)
            if problem:
                raise ValueError(
                    f"ENCAISSE_{name.upper()} {problem} while ENCAISSE_ENV is "
                    "production: set your own (ENCAISSE_ENV=development only "
                    "on a developer's machine)"
                )
        return self


def _secret_problem(settings: ServiceSettings, name: str, min_length: int) -> str:
    value = getattr(settings, name)
    default = type(settings).model_fields[name].get_default(call_default_factory=True)
    if value and value == default:
        return "still holds its development default"
    secrets: list[Any] = (
        [value]
        if isinstance(value, str)
        else list(value)
        if name == "staff_tokens"
        else list(value.values())
        if isinstance(value, dict)
        else []
    )
    if any(len(secret) < min_length for secret in secrets):
        return f"holds a secret shorter than {min_length} characters"
    return ""


class PortalLinkSettings(ServiceSettings):
    """The keys that sign debtors' portal links: notifier and letters sign, the portal checks."""

    secret_settings: ClassVar[dict[str, int]] = {
        **ServiceSettings.secret_settings,
        "portal_link_keys": SECRET_MIN_LENGTH,
    }

    portal_link_keys: dict[str, str] = Field(
        default_factory=lambda: {"dev": "dev-portal-link-secret"},
        description="JSON map key id -> secret, the same in notifier, letters and portal",
    )
    portal_link_key_id: str = "dev"


class DocumentSettings(ServiceSettings):
    """Where invoice documents may be fetched from (see ``encaisse.kit.documents``)."""

    development_switches: ClassVar[tuple[str, ...]] = ("document_allow_private",)

    document_origins: dict[str, tuple[str, ...]] = Field(
        default_factory=dict,
        description='JSON: {"<tenant>": ["https://docs.acme.example"], "*": [...]}: the '
        "origins invoice PDFs are fetched from; none: no PDF is fetched",
    )
    document_timeout_seconds: float = Field(20.0, gt=0)
    document_allow_private: bool = Field(
        False, description="development only: fetch from loopback and private addresses too"
    )

    def document_policy(self, max_bytes: int) -> DocumentPolicy:
        return DocumentPolicy(
            origins=self.document_origins,
            max_bytes=max_bytes,
            timeout_seconds=self.document_timeout_seconds,
            allow_private=self.document_allow_private,
        )
