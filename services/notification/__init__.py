"""Notification: the contact directory, preferences, and delivery of what happened to a teacher by e-mail, in-app inbox
and district webhook, once per (event, recipient, channel)."""
