"""Notification's business metrics (Prometheus naming; labels are channels and kinds, never ids)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram

# From the cause event to the channel accepting it: seconds normally, hours behind quiet hours or a digest.
DELIVERY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0, 3600.0, 4 * 3600.0, 86400.0)


class NotificationMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.sent = Counter(
            "mentoring_notifications_sent_total",
            "Notifications accepted by their channel (mail server, inbox, webhook endpoint)",
            ["channel", "kind"],
            registry=registry,
        )
        self.failed = Counter(
            "mentoring_notifications_failed_total",
            "Notifications given up (no contact or webhook, or every attempt failed)",
            ["channel", "kind"],
            registry=registry,
        )
        self.suppressed = Counter(
            "mentoring_notifications_suppressed_total",
            "Notifications not sent because the person opted out of their kind",
            ["kind"],
            registry=registry,
        )
        self.retries = Counter(
            "mentoring_notification_retries_total",
            "Failed attempts that will be tried again after a backoff",
            ["channel"],
            registry=registry,
        )
        self.delivery_seconds = Histogram(
            "mentoring_notification_delivery_seconds",
            "Time from the cause event to its channel accepting the notification",
            ["channel"],
            buckets=DELIVERY_BUCKETS,
            registry=registry,
        )
        self.contact_rows = Counter(
            "mentoring_contact_rows_total", "Contact directory rows imported, by outcome", ["outcome"], registry=registry
        )
