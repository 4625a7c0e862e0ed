from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class FeedbackSettings(ServiceSettings):
    """Env prefix ``FEEDBACK_`` (e.g. ``FEEDBACK_HTTP_PORT``, ``FEEDBACK_ANONYMITY_K``)."""

    model_config = SettingsConfigDict(env_prefix="FEEDBACK_", extra="ignore")
    http_port: int = 8004
    anonymity_k: int = Field(
        default=5, ge=2, le=100, description="Figures from fewer answers are withheld; anonymous answers leave in batches of k"
    )
    sweep_seconds: float = Field(
        default=300.0, gt=0, description="How often the sweep runs: mid-cycle, reminders, expiry, anonymous release"
    )
    reminder_hours_before: float = Field(default=48.0, gt=0, description="A reminder goes out this long before a survey is due")
