"""With the committed bug model: a finding dismissed in one revision stays dismissed in the
next revision of the same change, even where its lines moved (fingerprint: path, normalised
code, kind), and the verdict is recorded once."""

from __future__ import annotations

import pytest

from reviewapp.reviews import feedback
from reviewapp.reviews.models import Finding, FindingFeedback
from reviewapp.reviews.services import DiffInput, add_revision, create_change_set
from tests.diff_text import added_file_diff

pytestmark = [pytest.mark.ml, pytest.mark.django_db]

CODE = '''def last(items):
    """The last item."""
    if not items:
        return None
    return items[len(items)]


def total(prices):
    result = 0
    for i in range(len(prices) - 1):
        result += prices[i]
    return result
'''


def test_a_dismissed_finding_stays_dismissed_where_its_lines_moved(repository, member,
                                                                   monkeypatch,
                                                                   django_capture_on_commit_callbacks):
    # Threshold 0: each changed unit's best proposal becomes a finding, so there is one to act on.
    monkeypatch.setenv("SQUIGGLE_BUG_THRESHOLD", "0")
    with django_capture_on_commit_callbacks(execute=True):
        first = create_change_set(repository, "Items", member,
                                  DiffInput(diff=added_file_diff(CODE).encode()))
    found = list(first.findings.order_by("line"))
    assert found and all(f.fingerprint and f.model_version.startswith("line_ranker-")
                         for f in found)
    chosen = found[0]
    feedback.dismiss(chosen, member, "not_important")

    moved = "import math\n\n\n" + CODE  # three lines above: every line number moves by 3
    with django_capture_on_commit_callbacks(execute=True):
        second = add_revision(first.change_set, DiffInput(diff=added_file_diff(moved).encode()))
    again = second.findings.get(fingerprint=chosen.fingerprint)
    assert again.line == chosen.line + 3
    assert (again.state, again.dismiss_reason) == (Finding.DISMISSED, "not_important")
    others = second.findings.exclude(fingerprint=chosen.fingerprint)
    assert all(f.state == Finding.OPEN for f in others)
    assert FindingFeedback.objects.count() == 1


def test_a_rerun_keeps_what_was_dismissed_and_accepted(repository, member, monkeypatch,
                                                     django_capture_on_commit_callbacks):
    from reviewapp.reviews import jobs

    monkeypatch.setenv("SQUIGGLE_BUG_THRESHOLD", "0")
    with django_capture_on_commit_callbacks(execute=True):
        revision = create_change_set(repository, "Items", member,
                                     DiffInput(diff=added_file_diff(CODE).encode()))
    first, second = list(revision.findings.order_by("line"))[:2]
    feedback.dismiss(first, member, "false_positive")
    patch = feedback.accept(second, member).patch
    with django_capture_on_commit_callbacks(execute=True):
        jobs.reanalyze(revision)
    states = {f.fingerprint: (f.state, f.fix_patch) for f in revision.findings.all()}
    assert states[first.fingerprint] == (Finding.DISMISSED, "")
    assert states[second.fingerprint] == (Finding.ACCEPTED, patch)
    assert FindingFeedback.objects.count() == 2
