"""Signals other apps listen to (GitHub posts a pull request's hunt result back)."""

from django.dispatch import Signal

# Sent once a hunt reached a finished state; kwargs: hunt (BugHunt).
hunt_finished = Signal()
