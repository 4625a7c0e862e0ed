"""Metrics: a read model of the whole programme, projected from every service's events."""
