"""Settings from environment variables prefixed ``ENCAISSE_``.

Each service subclasses ``ServiceSettings`` and sets its own default port.
Settings are built in the service's lifespan or entry point, never at import.
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from encaisse.kit.auth import Role


class StaffTokenConfig(BaseModel):
    role: Role
    tenant: str = Field(min_length=1)
    name: str = "staff"


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ENCAISSE_", extra="ignore")

    service_name: ClassVar[str] = "service"

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

    @field_validator("database_url")
    @classmethod
    def _asyncpg(cls, url: str) -> str:
        for prefix in ("postgresql://", "postgres://"):
            if url.startswith(prefix):
                return "postgresql+asyncpg://" + url[len(prefix):]
        return url
