from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class MatchingSettings(ServiceSettings):
    """Env prefix ``MATCHING_`` (e.g. ``MATCHING_HTTP_PORT``)."""

    model_config = SettingsConfigDict(env_prefix="MATCHING_", extra="ignore")
    http_port: int = 8001
    job_ack_wait_seconds: float = Field(
        default=30.0, gt=0, description="A replica silent this long loses its match-run job to another replica."
    )
    job_hold_seconds: float = Field(
        default=0.0, ge=0, description="Failover drills and tests only: hold each match-run job this long before solving."
    )
    housekeeping_seconds: float = Field(
        default=300.0, gt=0, description="How often the induction timer sweeps and the queue-lag gauge is refreshed."
    )
