from pydantic import Field, field_validator
from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings

from .school_calendar import known_zone


class SchedulingSettings(ServiceSettings):
    """Env prefix ``SCHEDULING_`` (e.g. ``SCHEDULING_HTTP_PORT``)."""

    model_config = SettingsConfigDict(env_prefix="SCHEDULING_", extra="ignore")
    http_port: int = 8002
    sweep_seconds: float = Field(
        default=60.0, gt=0, description="How often every replica extends the horizon, fires reminders, flags overdue meetings."
    )
    default_time_zone: str = Field(default="UTC", description="Time zone of districts with no calendar on file.")
    reminder_late_after_seconds: float = Field(
        default=300.0, gt=0, description="A reminder sent this long after its due time is marked late (the service was down)."
    )
    reminder_claim_seconds: float = Field(
        default=120.0, gt=0, description="A reminder claimed by a replica that then went silent this long is taken back."
    )
    feed_base_url: str = Field(
        default="", description="Public base URL of calendar-feed links (default: the URL the request came to)."
    )

    @field_validator("default_time_zone")
    @classmethod
    def _zone(cls, name: str) -> str:
        return known_zone(name)
