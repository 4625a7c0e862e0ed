"""Settings every service shares; each service subclasses with its own env prefix."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ServiceSettings(BaseSettings):
    """Common knobs. ``NATS_URL`` and ``MONGODB_URL`` are read unprefixed too, so one export serves all."""

    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    nats_url: str = Field(default="nats://127.0.0.1:4222", validation_alias="NATS_URL")
    mongodb_url: str = Field(default="mongodb://127.0.0.1:27017", validation_alias="MONGODB_URL")
    database: str = Field(default="", description="Database name; defaults to mentoring_<service>.")
    http_host: str = "127.0.0.1"
    http_port: int = 8000
    max_deliver: int = Field(default=5, ge=2, le=100)
    retry_backoff_seconds: list[float] = Field(default=[1.0, 5.0, 30.0, 120.0])
    ack_wait_seconds: float = Field(default=30.0, gt=0)
    outbox_relay_seconds: float = Field(default=5.0, gt=0)
    log_level: str = "INFO"
    max_body_bytes: int = Field(default=6 * 1024 * 1024, gt=0, description="Larger request bodies get 413.")
    # Token verification: one key source for every service, so read unprefixed.
    auth_public_key_file: Path | None = Field(default=None, validation_alias="AUTH_PUBLIC_KEY_FILE")
    auth_jwks_file: Path | None = Field(default=None, validation_alias="AUTH_JWKS_FILE")
    auth_issuer: str = Field(default="mentoring-dev", validation_alias="AUTH_ISSUER")
    auth_audience: str = Field(default="mentoring-platform", validation_alias="AUTH_AUDIENCE")
