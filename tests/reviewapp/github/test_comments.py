"""Findings into review comments: inline only on diff lines, suggestions only when they parse."""

from __future__ import annotations

import pytest

from reviewapp.findings import fingerprint
from reviewapp.github.comments import inline_comment, plan_findings, suggested_lines
from reviewapp.repo_config import RepoConfig
from reviewapp.reviews.models import Finding
from reviewapp.reviews.services import DiffInput, create_change_set

pytestmark = pytest.mark.django_db

OLD = "def pick(items, n):\n    first = items[0]\n    rest = items[1:]\n" + "    x = 1\n" * 8
NEW = OLD.replace("    x = 1\n" * 8, "    x = 1\n" * 7 + "    return items[n - 1]\n")
DIFF = """diff --git a/pick.py b/pick.py
--- a/pick.py
+++ b/pick.py
@@ -8,4 +8,4 @@ def pick(items, n):
     x = 1
     x = 1
     x = 1
-    x = 1
+    return items[n - 1]
"""


@pytest.fixture
def revision(repository, member):
    revision = create_change_set(repository, "Pick", member, DiffInput(diff=DIFF.encode()))
    file = revision.files.get()
    file.new_content = NEW
    file.save()
    return revision


def finding(revision, line, column, end_column, replacement, kind="off_by_one"):
    return Finding.objects.create(
        revision=revision, file=revision.files.get(), line=line, end_line=line, column=column,
        end_column=end_column, kind=kind, message="m", probability=0.8, severity="high",
        replacement=replacement)


def test_a_finding_on_a_diff_line_is_inline_with_a_parsing_suggestion(revision):
    f = finding(revision, 11, 17, 22, "n")  # `n - 1` -> `n`
    comment = inline_comment(f)
    assert comment["line"] == 11 and comment["side"] == "RIGHT" and "start_line" not in comment
    assert "```suggestion\n    return items[n]\n```" in comment["body"]


def test_a_fix_that_would_not_parse_is_never_suggested(revision):
    f = finding(revision, 11, 17, 22, "n -")
    assert suggested_lines(f) is None
    assert "```suggestion" not in inline_comment(f)["body"]


def test_a_forgotten_import_is_named_in_the_comment_without_a_suggestion_that_changes_nothing(
        revision):
    f = finding(revision, 11, 11, 16, "items", kind="undefined_name")
    Finding.objects.filter(pk=f.pk).update(added_import="from shop.cart import items")
    f.refresh_from_db()
    body = inline_comment(f)["body"]
    assert "Add to the file's imports:\n```python\nfrom shop.cart import items\n```" in body
    assert "```suggestion" not in body


def test_a_finding_outside_the_diff_goes_in_the_body(revision):
    f = finding(revision, 2, 12, 19, "items[1]", kind="literal")
    assert inline_comment(f) is None
    plan = plan_findings(revision, RepoConfig(), [], set())
    assert [p.place for p in plan.new] == ["body"]


def test_fingerprints_ignore_whitespace_and_the_plan_skips_posted_and_dismissed(revision):
    assert fingerprint("a.py", "  return  x", "k") == fingerprint("a.py", "return x", "k")
    assert fingerprint("a.py", "return x", "k") != fingerprint("b.py", "return x", "k")
    f = finding(revision, 11, 17, 22, "n")
    key = fingerprint("pick.py", "    return items[n - 1]", "off_by_one")
    assert [p.fingerprint for p in plan_findings(revision, RepoConfig(), [], set()).new] == [key]
    assert plan_findings(revision, RepoConfig(), [], {key}).new == []
    strict = RepoConfig(threshold=0.9)
    assert plan_findings(revision, strict, [], set()).current == []
    assert f.path == "pick.py"
