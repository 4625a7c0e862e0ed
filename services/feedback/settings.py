from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class FeedbackSettings(ServiceSettings):
    """Env prefix ``FEEDBACK_`` (e.g. ``FEEDBACK_HTTP_PORT``)."""

    model_config = SettingsConfigDict(env_prefix="FEEDBACK_", extra="ignore")
    http_port: int = 8004
