from shared.entrypoint import serve

from .app import create_app
from .settings import MatchingSettings

serve("matching", MatchingSettings(), create_app)  # type: ignore[arg-type]
