"""Notification: the contact directory and e-mail delivery of what happened to a teacher."""
