"""A finding's fix: the exact span edit, the sketch Apply merges, and the patch it becomes."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass

import pytest

from bugmodel.undefined_names import undefined_names
from inference.client import LocalClient
from reviewapp.findings import FixSource, NoFix, suggest_fix
from reviewapp.findings.fixes import replace_span, sketch_for

SOURCE = '''def total(items):
    result = 0
    for item in items:
        result += item.price
    return result


def count(items):
    result = 0
    for item in items:
        result += 1
    return result
'''


@dataclass
class Span:
    line: int
    end_line: int
    column: int
    end_column: int
    replacement: str
    added_import: str = ""


PRICE = Span(4, 4, 18, 28, "item.cost")  # `item.price` -> `item.cost`


def no_model():
    raise RuntimeError("no model in this test: the merge must be deterministic")


def test_the_sketch_anchors_on_lines_that_occur_once_in_the_file():
    """`for item in items:` and `return result` occur twice: the anchors grow past them (up
    to the file's first line, so no marker is needed above)."""
    sketch = sketch_for(SOURCE, replace_span(FixSource(SOURCE), PRICE), "shop/total.py")
    assert sketch.splitlines() == ["def total(items):", "    result = 0",
                                   "    for item in items:", "        result += item.cost",
                                   "    return result", "", "", "def count(items):",
                                   "# ... existing code ..."]


def test_apply_merges_the_fix_without_a_model_and_git_applies_the_patch(tmp_path):
    fix = suggest_fix("shop/total.py", FixSource(SOURCE), PRICE,
                      client=LocalClient(engine=no_model))
    assert fix.method == "apply (deterministic)"
    (tmp_path / "shop").mkdir()
    (tmp_path / "shop/total.py").write_text(SOURCE)
    (tmp_path / "fix.patch").write_text(fix.patch)
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    subprocess.run(["git", "apply", "fix.patch"], cwd=tmp_path, check=True)
    assert (tmp_path / "shop/total.py").read_text() == SOURCE.replace("item.price", "item.cost")


def test_a_hunk_fragment_gives_a_patch_at_the_file_s_line_numbers():
    fragment = "    for item in items:\n        result += item.price\n    return result\n"
    fix = suggest_fix("shop/total.py", FixSource(fragment, first_line=3, whole_file=False),
                      PRICE, client=LocalClient(engine=no_model))
    assert "@@ -3,3 +3,3 @@" in fix.patch
    assert "-        result += item.price\n+        result += item.cost\n" in fix.patch


def test_when_apply_cannot_merge_the_exact_span_edit_is_the_fix():
    class Unavailable(LocalClient):
        def apply(self, *args, **kwargs):
            raise ConnectionError("the inference service is down")

    fix = suggest_fix("shop/total.py", FixSource(SOURCE), PRICE, client=Unavailable(no_model))
    assert fix.method == "exact span" and "+        result += item.cost\n" in fix.patch


@pytest.mark.parametrize("span, reason", [
    (Span(40, 40, 0, 1, "x"), "line 40 is not in the known text"),
    (Span(4, 4, 18, 90, "x"), "columns do not fit"),
    (Span(4, 4, 18, 18, ""), "no suggested replacement"),
    (Span(4, 4, 18, 28, "item.price"), "changes nothing"),
])
def test_a_fix_that_cannot_be_made_says_why(span, reason):
    with pytest.raises(NoFix, match=reason):
        suggest_fix("shop/total.py", FixSource(SOURCE), span)


REPORTING = '''"""Run jobs and report their failures."""
from __future__ import annotations

import logging

log = logging.getLogger(__name__)


def run(job):
    try:
        return job()
    except Exception:
        log.error(traceback.format_exc())
'''
# `traceback` read on line 13 and never imported: the fix leaves the line and adds the import.
TRACEBACK = Span(13, 13, 18, 27, "traceback", "import traceback")


def test_a_forgotten_import_is_added_after_the_imports_and_git_applies_the_patch(tmp_path):
    fix = suggest_fix("jobs/run.py", FixSource(REPORTING), TRACEBACK,
                      client=LocalClient(engine=no_model))
    assert fix.method == "apply (deterministic)"
    added = [line for line in fix.patch.splitlines() if line.startswith("+")][1:]  # not +++
    assert added == ["+import traceback"]
    (tmp_path / "jobs").mkdir()
    (tmp_path / "jobs/run.py").write_text(REPORTING)
    (tmp_path / "fix.patch").write_text(fix.patch)
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    subprocess.run(["git", "apply", "fix.patch"], cwd=tmp_path, check=True)
    fixed = (tmp_path / "jobs/run.py").read_text()
    assert fixed == REPORTING.replace("import logging\n", "import logging\nimport traceback\n")
    assert undefined_names(fixed) == []


def test_a_forgotten_import_needs_the_whole_file():
    fragment = "    except Exception:\n        log.error(traceback.format_exc())\n"
    with pytest.raises(NoFix, match="`import traceback` to the file's imports, which are not"):
        suggest_fix("jobs/run.py", FixSource(fragment, first_line=12, whole_file=False),
                    TRACEBACK, client=LocalClient(engine=no_model))


def test_no_import_is_placed_in_a_file_that_does_not_parse():
    broken = Span(1, 1, 0, 3, "def", "import re")
    with pytest.raises(NoFix, match="does not parse"):
        suggest_fix("broken.py", FixSource("def f(:\n"), broken)
