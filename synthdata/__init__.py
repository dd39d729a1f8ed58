"""Training data for the bug model: an offline Python corpus, bug rewrites, dataset building."""

from synthdata.dataset import Injection, Record, inject, iter_records, load_manifest
from synthdata.rewrites import KINDS, Candidate, enumerate_candidates

__all__ = [
    "KINDS",
    "Candidate",
    "Injection",
    "Record",
    "enumerate_candidates",
    "inject",
    "iter_records",
    "load_manifest",
]
