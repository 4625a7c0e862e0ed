"""A mentor's or mentee's own notifications: the in-app inbox, their preferences and their delivery log.

Every route acts on the caller's own records (the token's subject is their participant id); coordinators
and state admins have no inbox or preferences here (403).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends, Path, Query, Request

from shared.auth.http import Caller
from shared.auth.principal import Principal, Role, not_found, require_role

from . import domain
from .api import Limit, Offset, Service
from .inbox import InboxRepository
from .preferences import Preferences
from .views import (
    TEACHERS_ONLY,
    UNAUTHENTICATED,
    UNKNOWN,
    UNREADABLE_JSON,
    Delivery,
    InboxItem,
    InboxPage,
    PreferencesView,
    UnreadCount,
    delivery,
    inbox_item,
    preferences_view,
)

router = APIRouter(prefix="/me", responses={**UNAUTHENTICATED, **TEACHERS_ONLY})


def get_inbox(request: Request) -> InboxRepository:
    return request.app.state.inbox  # type: ignore[no-any-return]


def teacher(caller: Caller) -> Principal:
    """The caller, who must be a mentor or mentee."""
    require_role(caller, Role.MENTOR, Role.MENTEE)
    return caller


Inbox = Annotated[InboxRepository, Depends(get_inbox)]
Teacher = Annotated[Principal, Depends(teacher)]


@router.get("/inbox", tags=["inbox"], summary="The caller's in-app notifications, newest first")
async def inbox(
    me: Teacher, items: Inbox, limit: Annotated[int, Query(ge=1, le=100)] = 20, offset: Annotated[int, Query(ge=0)] = 0
) -> InboxPage:
    """One page of the inbox, with the total and unread counts."""
    rows, total = await items.page(me.subject, limit, offset)
    return InboxPage(
        items=[inbox_item(r) for r in rows], total=total, unread=await items.unread(me.subject), limit=limit, offset=offset
    )


@router.get("/inbox/unread-count", tags=["inbox"], summary="How many of the caller's notifications are unread")
async def unread_count(me: Teacher, items: Inbox) -> UnreadCount:
    return UnreadCount(unread=await items.unread(me.subject))


@router.post("/inbox/{item_id}/read", tags=["inbox"], summary="Mark one of the caller's notifications read", responses=UNKNOWN)
async def mark_read(
    item_id: Annotated[str, Path(min_length=1, max_length=64)], me: Teacher, items: Inbox, notifications: Service
) -> InboxItem:
    """Idempotent: reading it again keeps the first reading time. Another person's item is unknown (404)."""
    found = await items.mark_read(me.subject, item_id, domain.to_ms(notifications.clock()))
    if found is None:
        raise not_found(f"inbox item {item_id}")
    return inbox_item(found)


@router.get("/preferences", tags=["preferences"], summary="The caller's notification preferences")
async def get_preferences(me: Teacher, notifications: Service) -> PreferencesView:
    stored = await notifications.people.preferences_of([me.subject])
    return preferences_view(stored.get(me.subject, Preferences()), notifications.digest_hour)


@router.put(
    "/preferences", tags=["preferences"], summary="Replace the caller's notification preferences", responses=UNREADABLE_JSON
)
async def put_preferences(me: Teacher, prefs: Annotated[Preferences, Body()], notifications: Service) -> PreferencesView:
    """Channels per kind, opted-out kinds (not essential ones: 422), quiet hours and the daily digest.

    Applies to notifications recorded from now on; those already waiting keep their time.
    """
    await notifications.people.save_preferences(me.subject, me.district or "", prefs, notifications.clock())
    return preferences_view(prefs, notifications.digest_hour)


@router.get("/deliveries", tags=["deliveries"], summary="The caller's delivery log, oldest first")
async def my_deliveries(me: Teacher, notifications: Service, limit: Limit = 100, offset: Offset = 0) -> list[Delivery]:
    rows = await notifications.repo.deliveries_of(me.subject, me.district, limit, offset)
    return [delivery(row) for row in rows]
