"""The full analysis with the real models: LM-refined tiers, stored findings never gray."""

from __future__ import annotations

import pytest

from reviewapp.reviews.management.commands.bootstrap_demo import build_demo_repository
from reviewapp.reviews.models import AnalysisJob, Finding, Hunk
from reviewapp.reviews.services import DiffInput, create_change_set

pytestmark = [pytest.mark.django_db, pytest.mark.ml, pytest.mark.slow]


def test_demo_review_runs_every_stage(repository, member, tmp_path, settings,
                                      django_capture_on_commit_callbacks):
    # The LM stage is off by default (benchmarks/README.md); on here so every stage runs.
    settings.SQUIGGLE = {**settings.SQUIGGLE, "IMPORTANCE": {"use_lm": True}}
    member.is_staff = True
    member.save()
    range_spec = build_demo_repository(tmp_path / "repo")
    with django_capture_on_commit_callbacks(execute=True):
        revision = create_change_set(repository, "Demo", member,
                                     DiffInput(repo_dir=str(tmp_path / "repo"),
                                               range_spec=range_spec))
    job = revision.jobs.get()
    assert job.state == AnalysisJob.DONE, job.error
    assert set(job.timings) == {"importance (mechanical)", "bug detection",
                                "importance (language model)", "order by findings"}
    hunks = Hunk.objects.filter(file__revision=revision)
    assert hunks.filter(importance__isnull=True).count() == 0
    assert all(h.reason for h in hunks)
    for finding in Finding.objects.filter(revision=revision):
        holder = finding.file.hunks.filter(new_start__lte=finding.line).order_by("-new_start")[0]
        assert holder.tier != Hunk.GRAY
        assert 0.0 <= finding.probability <= 1.0 and finding.message
