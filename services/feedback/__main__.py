from shared.entrypoint import serve

from .app import create_app
from .settings import FeedbackSettings

serve("feedback", FeedbackSettings(), create_app)  # type: ignore[arg-type]
