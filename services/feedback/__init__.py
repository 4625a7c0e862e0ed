"""Feedback: match-quality surveys issued to mentors and mentees, and their answers."""
