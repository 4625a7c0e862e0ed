"""A district's webhook: where every notification of its people is also posted (signed, ids only).

Only the district's own coordinator sets it; the coordinator and state admins read it. The secret is stored to
sign each body and is never returned. Changing the webhook is audited (without the secret).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body
from pydantic import BaseModel, ConfigDict, Field, HttpUrl

from shared.auth.http import Caller
from shared.auth.principal import not_found, require_manages, require_reads

from . import domain
from .api import Audit, District, Service
from .people import DistrictSettings
from .views import UNAUTHENTICATED, UNKNOWN, UNREADABLE_JSON, Problem, WebhookView

router = APIRouter(prefix="/districts/{district}/webhook", tags=["webhooks"], responses=UNAUTHENTICATED)


class WebhookConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    url: HttpUrl = Field(description="http(s) URL every notification of the district's people is POSTed to")
    secret: str = Field(min_length=16, max_length=256, description="Shared secret of the HMAC-SHA256 signature")


def _view(settings: DistrictSettings) -> WebhookView:
    return WebhookView(
        district=settings.district,
        url=settings.webhook_url or "",
        secret_set=bool(settings.webhook_secret),
        updated_at=domain.from_ms(settings.webhook_updated_ms),
    )


@router.put(
    "",
    summary="Set the district's webhook (its own coordinator)",
    responses={
        **UNREADABLE_JSON,
        403: {"model": Problem, "description": "Only the district's own coordinator sets its webhook"},
    },
)
async def put_webhook(
    district: District, config: Annotated[WebhookConfig, Body()], caller: Caller, notifications: Service, audit: Audit
) -> WebhookView:
    """Replaces any earlier webhook; deliveries already recorded use the new one when they are (re)tried."""
    require_manages(caller, district)
    now_ms = domain.to_ms(notifications.clock())
    saved = await notifications.people.set_webhook(district, str(config.url), config.secret, now_ms, caller.subject)
    host = config.url.host or ""
    await audit.record(caller, "webhook.configured", f"districts/{district}/webhook", district, {"host": host})
    return _view(saved)


@router.get(
    "",
    summary="The district's webhook, without its secret",
    responses={**UNKNOWN, 403: {"model": Problem, "description": "Another district's coordinator, or a teacher"}},
)
async def get_webhook(district: District, caller: Caller, notifications: Service) -> WebhookView:
    require_reads(caller, district)
    settings = await notifications.people.district(district)
    if not settings.has_webhook:
        raise not_found(f"webhook of district {district}")
    return _view(settings)
