"""Logging, /health and /metrics shared by every service."""
