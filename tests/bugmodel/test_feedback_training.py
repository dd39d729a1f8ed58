"""Reviewers' verdicts exported by `manage.py export_feedback` become line-ranker training
cases: accepted findings as bugs on their lines, false positives as clean functions."""

from __future__ import annotations

import json

from bugmodel.feedback import FORMAT, feedback_cases
from bugmodel.line_ranker import LineRankerConfig
from bugmodel.train_real import train_line_ranker

CODE = ("import os\n\n\ndef total(items, limit):\n    result = 0\n"
        "    for i in range(len(items) - 1):\n        result += items[i]\n    return result\n")


def _record(label: str, reason: str | None, line: int, text: str = CODE, start: int = 10
            ) -> dict:
    """A record as the export writes it; the context starts at line `start` of the file."""
    return {"format": FORMAT, "repository": "acme/shop", "label": label, "reason": reason,
            "action": "accepted" if label == "bug" else "dismissed", "path": "shop/total.py",
            "line": start + line - 1, "end_line": start + line - 1, "column": 4,
            "end_column": 30, "kind": "off_by_one", "probability": 0.4,
            "context": {"start_line": start, "text": text}}


def _write(path, records) -> None:
    path.write_text("".join(json.dumps(r) + "\n" for r in records) + "not json\n")


def test_verdicts_become_cases_and_the_rest_is_counted(tmp_path):
    path = tmp_path / "feedback.jsonl"
    _write(path, [_record("bug", None, 6), _record("not_bug", "false_positive", 7),
                  _record("not_bug", "wont_fix", 6),
                  _record("bug", None, 2, text="    result += items[i]\n    return result\n")])
    read = feedback_cases([path])
    bug, clean = read.cases
    assert (bug.origin, bug.buggy, bug.bug_lines) == ("feedback", True, (3, 3))
    assert bug.text.splitlines()[2].strip() == "for i in range(len(items) - 1):"
    assert bug.located and all(bug.candidates[i].start >= bug.text.index("for")
                               for i in bug.located)
    assert (clean.buggy, clean.kind) == (False, "clean")
    assert read.skipped == {"left on purpose (won't fix / not important)": 1,
                            "context does not hold the whole function": 1, "not JSON": 1}


def test_phase_two_trains_on_feedback_beside_the_mined_fixes(tiny_model, tiny_real, tmp_path):
    path = tmp_path / "feedback.jsonl"
    _write(path, [_record("bug", None, 6), _record("not_bug", "false_positive", 7)])
    summary = train_line_ranker(tiny_model, tiny_real, tmp_path / "no-synthetic",
                                LineRankerConfig(epochs=1, synthetic_records=0,
                                                 small_programs=False),
                                tmp_path / "ranker", feedback=[path])
    assert summary["feedback_cases"] == 2
    # Two mined train fixes and two clean train functions, plus the two verdicts.
    assert summary["train_units"] == 6 and summary["train_bugs"] == 3
