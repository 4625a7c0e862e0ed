from shared.entrypoint import serve

from .app import create_app
from .settings import MetricsSettings

serve("metrics", MetricsSettings(), create_app)  # type: ignore[arg-type]
