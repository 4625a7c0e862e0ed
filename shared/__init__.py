"""Code every service imports. Never imports a service."""
