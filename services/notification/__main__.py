from shared.entrypoint import serve

from .app import create_app
from .settings import NotificationSettings

serve("notification", NotificationSettings(), create_app)  # type: ignore[arg-type]
