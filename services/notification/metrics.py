"""Notification's business metrics (Prometheus naming, no ids in labels)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram

# From a cause event to the SMTP server accepting the message: seconds normally, minutes with retries.
DELIVERY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0, 3600.0)


class NotificationMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.sent = Counter(
            "mentoring_notifications_sent_total",
            "Notifications accepted by the mail server",
            ["channel", "template"],
            registry=registry,
        )
        self.failed = Counter(
            "mentoring_notifications_failed_total",
            "Notifications given up (no contact, or every delivery failed)",
            ["channel", "template"],
            registry=registry,
        )
        self.delivery_seconds = Histogram(
            "mentoring_notification_delivery_seconds",
            "Time from the cause event to the mail server accepting it",
            buckets=DELIVERY_BUCKETS,
            registry=registry,
        )
        self.contact_rows = Counter(
            "mentoring_contact_rows_total", "Contact directory rows imported, by outcome", ["outcome"], registry=registry
        )
