"""Composition root of the notification service."""

from __future__ import annotations

from fastapi import FastAPI

from shared.contracts.feedback import SurveyIssued
from shared.contracts.matching import RelationshipStarted
from shared.contracts.notification import NotificationFailed, NotificationSent
from shared.contracts.scheduling import MeetingScheduled
from shared.service import ServiceRuntime

from .api import router
from .handlers import on_meeting_scheduled, on_relationship_started, on_survey_issued
from .mailer import SmtpMailer
from .metrics import NotificationMetrics
from .rendering import Renderer
from .repository import NotificationRepository
from .settings import NotificationSettings
from .workflow import Notifications

PUBLISHES = (NotificationSent, NotificationFailed)


def create_runtime(settings: NotificationSettings | None = None) -> ServiceRuntime:
    return ServiceRuntime("notification", settings or NotificationSettings(), PUBLISHES)


def create_app(settings: NotificationSettings | None = None) -> FastAPI:
    settings = settings or NotificationSettings()
    runtime = create_runtime(settings)
    repo = NotificationRepository(runtime.db)
    runtime.on_startup(repo.ensure_indexes)
    notifications = Notifications(
        repo=repo,
        outbox=runtime.outbox,
        metrics=NotificationMetrics(runtime.registry),
        renderer=Renderer(),
        mailer=SmtpMailer(settings.smtp_host, settings.smtp_port, settings.smtp_timeout_seconds),
        sender=settings.smtp_sender,
        policy=runtime.policy,
        # A send is cut off after smtp_timeout_seconds; the lease outlasts it, and expires before JetStream's
        # ack_wait redelivers the event of a worker that died mid-send.
        lease_seconds=2 * settings.smtp_timeout_seconds,
    )
    runtime.provide("notifications", notifications)
    runtime.subscriptions.on(RelationshipStarted.kind, on_relationship_started)
    runtime.subscriptions.on(MeetingScheduled.kind, on_meeting_scheduled)
    runtime.subscriptions.on(SurveyIssued.kind, on_survey_issued)
    app = runtime.http_app(router, description="Contact directory and e-mail notifications, delivered once per recipient.")
    app.state.notifications = notifications
    return app
