from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class SchedulingSettings(ServiceSettings):
    """Env prefix ``SCHEDULING_`` (e.g. ``SCHEDULING_HTTP_PORT``)."""

    model_config = SettingsConfigDict(env_prefix="SCHEDULING_", extra="ignore")
    http_port: int = 8002
