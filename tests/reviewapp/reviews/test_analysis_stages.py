"""The analysis task fills in hunk tiers after ingest; findings keep their hunk out of gray."""

from __future__ import annotations

from pathlib import Path

import pytest

from reviewapp.reviews.analysis import parsed_from_revision, stages
from reviewapp.reviews.models import AnalysisJob, Hunk
from reviewapp.reviews.services import DiffInput, create_change_set

pytestmark = pytest.mark.django_db

MECHANICAL_DIFF = (Path(__file__).parents[2] / "data" / "mechanical.diff").read_text()


def test_task_sets_mechanical_tiers_and_reasons(repository, member,
                                               django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        revision = create_change_set(repository, "Tiers", member,
                                     DiffInput(diff=MECHANICAL_DIFF.encode()))
    assert revision.jobs.get().state == AnalysisJob.DONE
    calc = revision.files.get(path="pkg/calc.py")
    formatting, logic = calc.hunks.order_by("index")
    assert formatting.tier == Hunk.GRAY and formatting.reason
    assert logic.tier != Hunk.GRAY
    lock = revision.files.get(path="poetry.lock").hunks.get()
    assert lock.tier == Hunk.GRAY


def test_stored_revision_rebuilds_the_parsed_diff(review, sample_diff):
    """The stages see the same files, hunks and line numbers as the parser produced."""
    from reviewapp.ingest.parser import parse_diff

    rebuilt, rows = parsed_from_revision(review)
    original = {f.path: f for f in parse_diff(sample_diff).files}
    assert [f.path for f in rebuilt.files] == [row.path for row in rows]
    for file in rebuilt.files:
        expected = original[file.path]
        assert [h.text for h in file.hunks] == [h.text for h in expected.hunks]
        assert [(ln.old_lineno, ln.new_lineno) for h in file.hunks for ln in h.lines] == \
            [(ln.old_lineno, ln.new_lineno) for h in expected.hunks for ln in h.lines]


LM_STAGE = "importance (language model)"


@pytest.mark.parametrize(("importance", "listed"), [({}, False), ({"use_lm": True}, True)])
def test_language_model_stage_is_listed_only_when_use_lm_is_on(settings, importance, listed):
    """With the LM off (the default) its stage is not run, timed or shown as progress."""
    settings.SQUIGGLE = {**settings.SQUIGGLE, "ANALYSIS_ML": True, "IMPORTANCE": importance}
    names = [name for name, _ in stages()]
    assert (LM_STAGE in names) is listed
    assert names[0] == "importance (mechanical)" and "bug detection" in names



def test_a_repository_turning_use_lm_on_gets_the_language_model_stage(settings):
    """`[importance] use_lm = true` in the reviewed repository's .squiggle.toml lists the stage
    though the global default is off."""
    from types import SimpleNamespace

    from reviewapp.repo_config import load_config

    settings.SQUIGGLE = {**settings.SQUIGGLE, "ANALYSIS_ML": True, "IMPORTANCE": {}}
    revision = SimpleNamespace(repo_config=load_config("[importance]\nuse_lm = true\n"),
                               source="paste")
    assert LM_STAGE in [name for name, _ in stages(revision)]
