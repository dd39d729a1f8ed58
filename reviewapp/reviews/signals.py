"""Signals other apps listen to (GitHub posts back when an analysis finishes)."""

from django.dispatch import Signal

# Sent by the analysis task once a job is done or failed; kwargs: job (AnalysisJob).
analysis_finished = Signal()
