"""Scheduling: the meetings of each mentoring relationship and their outcomes."""
