from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class MetricsSettings(ServiceSettings):
    """Env prefix ``METRICS_`` (e.g. ``METRICS_HTTP_PORT``)."""

    model_config = SettingsConfigDict(env_prefix="METRICS_", extra="ignore")
    http_port: int = 8005
