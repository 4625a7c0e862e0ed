"""Composition root of the notification service."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI

from shared.contracts import feedback, matching, scheduling
from shared.contracts.notification import NotificationFailed, NotificationSent
from shared.service import ServiceRuntime

from . import handlers
from .api import router
from .api_me import router as me_router
from .api_webhook import router as webhook_router
from .channels import Channels
from .dispatcher import Dispatcher
from .domain import Clock, utc_now
from .inbox import InboxRepository
from .mailer import SmtpMailer
from .metrics import NotificationMetrics
from .outcomes import Outcomes
from .people import PeopleRepository
from .rendering import Renderer
from .repository import NotificationRepository
from .settings import NotificationSettings
from .webhook import WebhookSender
from .workflow import Notifications

PUBLISHES = (NotificationSent, NotificationFailed)
CONSUMES = (
    (matching.RelationshipStarted, handlers.on_relationship_started),
    (matching.RelationshipEnded, handlers.on_relationship_ended),
    (matching.MatchRequested, handlers.on_match_requested),
    (matching.MatchDeclined, handlers.on_match_declined),
    (scheduling.MeetingScheduled, handlers.on_meeting_scheduled),
    (scheduling.MeetingRescheduled, handlers.on_meeting_rescheduled),
    (scheduling.MeetingCancelled, handlers.on_meeting_cancelled),
    (scheduling.ReminderDue, handlers.on_reminder_due),
    (scheduling.MeetingOverdue, handlers.on_meeting_overdue),
    (scheduling.InductionHoursShort, handlers.on_induction_hours_short),
    (feedback.SurveyIssued, handlers.on_survey_issued),
    (feedback.SurveyReminderDue, handlers.on_survey_reminder_due),
)


def create_runtime(settings: NotificationSettings | None = None) -> ServiceRuntime:
    return ServiceRuntime("notification", settings or NotificationSettings(), PUBLISHES)


def create_app(settings: NotificationSettings | None = None, clock: Clock = utc_now) -> FastAPI:
    """The service; ``clock`` is injectable so tests move time instead of waiting for it."""
    settings = settings or NotificationSettings()
    runtime = create_runtime(settings)
    repo, inbox, people = NotificationRepository(runtime.db), InboxRepository(runtime.db), PeopleRepository(runtime.db)
    for indexes in (repo.ensure_indexes, inbox.ensure_indexes):
        runtime.on_startup(indexes)
    metrics = NotificationMetrics(runtime.registry)
    channels = Channels(
        repo=repo,
        inbox=inbox,
        people=people,
        renderer=Renderer(),
        mailer=SmtpMailer(settings.smtp_host, settings.smtp_port, settings.smtp_timeout_seconds),
        webhooks=WebhookSender(settings.webhook_timeout_seconds),
        sender=settings.smtp_sender,
        clock=clock,
    )
    outcomes = Outcomes(repo, runtime.outbox, metrics, runtime.deadletterer, tuple(settings.delivery_backoff_seconds), clock)
    # A hand-over is cut off after its timeout; the lease outlasts it, so no second worker sends meanwhile.
    lease_ms = int(2000 * max(settings.smtp_timeout_seconds, settings.webhook_timeout_seconds))
    dispatcher = Dispatcher(repo, channels, outcomes, lease_ms, settings.dispatch_batch, clock)
    notifications = Notifications(repo, people, dispatcher, metrics, settings.digest_hour, clock)
    runtime.provide("notifications", notifications)
    for event, handler in CONSUMES:
        runtime.subscriptions.on(event.kind, handler)
    runtime.every(settings.dispatch_seconds, dispatcher.run)
    api = APIRouter()
    for part in (router, me_router, webhook_router):
        api.include_router(part)
    app = runtime.http_app(
        api, description="Contact directory, preferences, inbox and webhooks; notifications delivered once per channel."
    )
    app.state.notifications = notifications
    app.state.dispatcher = dispatcher
    app.state.inbox = inbox
    app.state.people = people
    return app
