from typing import Literal

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class MetricsSettings(ServiceSettings):
    """Env prefix ``METRICS_`` (e.g. ``METRICS_HTTP_PORT``)."""

    model_config = SettingsConfigDict(env_prefix="METRICS_", extra="ignore")
    http_port: int = 8005
    k: int = Field(default=5, ge=1, description="Survey figures backed by fewer answers are suppressed (null).")
    recompute_seconds: float = Field(default=0.2, gt=0, description="How often changed programs' figures are recomputed.")
    batch_max_events: int = Field(default=2048, ge=1, description="Most events written together by one group commit.")
    batch_linger_seconds: float = Field(default=0.005, ge=0, description="Wait after a group commit for the next events.")
    gauge_districts: int = Field(default=50, ge=1, description="Districts with their own gauge label; the rest are '_other'.")
    gauge_seconds: float = Field(default=5.0, gt=0, description="How often the business gauges are refreshed.")
    access_log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        default="WARNING", description="FastStream's per-message access log (two INFO lines per event consumed) from this level."
    )
    stream_stats_seconds: float = Field(default=15.0, gt=0, description="How often stream depths are read.")
    report_link_hours: float = Field(
        default=72, gt=0, le=24 * 31, description="How long a report link opens its page without a token."
    )
    report_base_url: str = Field(default="", description="Base of the report links handed out (default: the request's URL).")
    pull_batch: int = Field(default=512, ge=1, le=1024, description="Messages fetched per pull from each stream.")
    pull_timeout_seconds: float = Field(
        default=0.1, gt=0, description="How long a pull waits to fill its batch (short: take what is there)."
    )
