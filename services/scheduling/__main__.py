from shared.entrypoint import serve

from .app import create_app
from .settings import SchedulingSettings

serve("scheduling", SchedulingSettings(), create_app)  # type: ignore[arg-type]
