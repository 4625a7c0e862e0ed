"""Feedback: surveys (some anonymous and unlinkable), goals and reflections, closure, and at-risk warnings."""
