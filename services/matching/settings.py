from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class MatchingSettings(ServiceSettings):
    """Env prefix ``MATCHING_`` (e.g. ``MATCHING_HTTP_PORT``)."""

    model_config = SettingsConfigDict(env_prefix="MATCHING_", extra="ignore")
    http_port: int = 8001
