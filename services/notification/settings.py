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
