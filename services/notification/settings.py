from typing import Annotated

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class NotificationSettings(ServiceSettings):
    """Env prefix ``NOTIFICATION_`` (e.g. ``NOTIFICATION_SMTP_HOST``)."""

    model_config = SettingsConfigDict(env_prefix="NOTIFICATION_", extra="ignore")
    http_port: int = 8003
    smtp_host: str = "127.0.0.1"
    smtp_port: int = Field(default=1025, ge=1, le=65535)
    smtp_sender: str = "Mentoring Program <no-reply@mentoring.local>"
    smtp_timeout_seconds: float = Field(default=10.0, gt=0)
    webhook_timeout_seconds: float = Field(default=10.0, gt=0, description="A webhook POST not answered by then failed.")
    delivery_backoff_seconds: list[Annotated[float, Field(ge=0)]] = Field(
        default=[1.0, 5.0, 30.0, 120.0],
        description="Wait after each failed e-mail or webhook attempt; attempts = 1 + its length, then failed.",
    )
    dispatch_seconds: float = Field(default=1.0, gt=0, description="How often due deliveries are looked for.")
    dispatch_batch: int = Field(default=200, ge=1, le=5000, description="Deliveries one dispatch takes at most.")
    digest_hour: int = Field(default=17, ge=0, le=23, description="Local hour of the daily digest unless a person sets one.")
