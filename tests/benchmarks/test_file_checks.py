"""The whole-file checks' measurement on real fixes: on the fixed line, elsewhere, in clean
files, and the probabilities fitted from the first report per fixed function."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from benchmarks.file_checks import measure

FIXED = '''def axis(kind):
    if kind is "log":
        return 1
    return helper(kind)
'''


def _fix(split: str, bug_line: int, repo: str) -> dict:
    return {"repo": repo, "split": split, "path": "pkg/axis.py", "file_before": FIXED,
            "func_start": "1", "func_end": "4", "stmt_line": str(bug_line),
            "stmt_end_line": str(bug_line)}


def _write(path: Path, rows: list[dict]) -> Path:
    with gzip.open(path, "wt") as out:
        out.writelines(json.dumps(row) + "\n" for row in rows)
    return path


def test_reports_are_counted_by_place_and_fitted_from_train_and_dev(tmp_path):
    fixes = _write(tmp_path / "fixes.jsonl.gz", [
        _fix("train", 2, "a/one"),  # the `is` literal is the fixed line; `helper` elsewhere
        _fix("dev", 4, "b/two"),  # the undefined `helper` is the fixed line
        _fix("test", 2, "c/three")])  # test never enters the fit
    clean = _write(tmp_path / "clean.jsonl.gz", [
        {"repo": "b/two", "path": "pkg/ok.py", "text": 'x = "%s %s" % (1,)\n' + "y = 1\n" * 9},
        {"repo": "b/two", "path": "docs/snippet.py", "text": "print(undefined)\n"}])
    repos = tmp_path / "repos.json"
    repos.write_text(json.dumps([{"repo": r, "split": s} for r, s in (
        ("a/one", "train"), ("b/two", "dev"), ("c/three", "test"))]))
    result = measure(fixes, clean, repos)
    kinds = result["kinds"]
    assert kinds["identity_literal"]["on_fixed_line"] == {"train": 1, "test": 1}
    assert kinds["identity_literal"]["elsewhere_in_fixed_function"] == {"dev": 1}
    assert kinds["undefined_name"]["on_fixed_line"] == {"dev": 1}
    assert kinds["undefined_name"]["elsewhere_in_fixed_function"] == {"train": 1, "test": 1}
    # Documentation is left out; the format mismatch in ten clean lines is 100 per 1,000.
    assert kinds["format_mismatch"]["clean_per_1000_lines"] == {"dev": 100.0}
    assert "undefined_name" not in {k for k, v in kinds.items() if v["clean_files"]}
    # The first report in each function is the `is` literal (line 2): right on train only.
    fit = result["fitted"]["misuse"]
    assert (fit["first_on_fixed_line"], fit["functions"], fit["laplace"]) == (1, 2, 0.5)
