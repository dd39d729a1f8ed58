"""`manage.py review`: the review JSON contract, a terminal summary, one clear line on bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


def run_review(*args: str, stdin: bytes | None = None,
               models: bool = False) -> subprocess.CompletedProcess:
    env = dict(os.environ, SQUIGGLE_ANALYSIS_ML="1" if models else "0")
    return subprocess.run([sys.executable, "manage.py", "review", *args], cwd=ROOT, env=env,
                          input=stdin, capture_output=True, timeout=120)


def test_json_lists_files_in_review_order_with_hunks(tmp_path, sample_diff):
    diff = tmp_path / "change.diff"
    diff.write_text(sample_diff)
    result = run_review("--diff", str(diff), "--json")
    assert result.returncode == 0, result.stderr.decode()
    data = json.loads(result.stdout)
    paths = [f["path"] for f in data["files"]]
    assert paths.index("pkg/models.py") < paths.index("pkg/views.py") < paths.index("README.md")
    assert [f["order"] for f in data["files"]] == list(range(len(paths)))
    first = data["files"][0]
    assert {"path", "old_path", "status", "order", "reason", "hunks"} <= set(first)
    assert {"old_start", "old_lines", "new_start", "new_lines", "importance", "tier",
            "reason"} <= set(first["hunks"][0])
    assert first["hunks"][0]["tier"] in ("gray", "normal", "key")
    assert isinstance(data["findings"], list)


def test_reads_the_diff_from_stdin(sample_diff):
    result = run_review("--diff", "-", "--json", stdin=sample_diff.encode())
    assert result.returncode == 0
    assert len(json.loads(result.stdout)["files"]) == 4


def test_summary_without_json_is_readable(sample_diff):
    result = run_review("--diff", "-", stdin=sample_diff.encode())
    out = result.stdout.decode()
    assert result.returncode == 0
    assert "1. pkg/models.py" in out and "README.md" in out


def test_git_range_is_reviewed(tmp_path):
    from reviewapp.reviews.management.commands.bootstrap_demo import build_demo_repository

    range_spec = build_demo_repository(tmp_path / "repo")
    # The order is the point here; the demo's tests stage has its own test below.
    result = run_review("--repo", str(tmp_path / "repo"), "--range", range_spec, "--json",
                        "--no-tests")
    assert result.returncode == 0, result.stderr.decode()
    paths = [f["path"] for f in json.loads(result.stdout)["files"]]
    assert paths.index("shop/prices.py") < paths.index("shop/cart.py")


def test_a_diff_with_its_repository_and_range_gets_the_finding_its_tests_prove(tmp_path):
    """`--diff F --repo DIR --range A..B`: the diff is reviewed and the change's tests run at
    the range's head; the demo's new test fails on `>`, and `>=` is the finding."""
    from reviewapp.reviews.management.commands.bootstrap_demo import build_demo_repository

    repo = tmp_path / "repo"
    range_spec = build_demo_repository(repo)
    diff = tmp_path / "change.diff"
    diff.write_bytes(subprocess.run(["git", "-C", str(repo), "diff", range_spec],
                                    check=True, capture_output=True).stdout)
    args = ("--diff", str(diff), "--repo", str(repo), "--range", range_spec, "--json")
    result = run_review(*args)
    assert result.returncode == 0, result.stderr.decode()
    [finding] = json.loads(result.stdout)["findings"]
    assert (finding["path"], finding["line"], finding["replacement"]) == (
        "shop/prices.py", 22, ">=")
    assert finding["kind"] == "comparison" and "test_bulk_discount_from_ten_items" in \
        finding["message"]
    skipped = run_review(*args, "--no-tests")
    assert json.loads(skipped.stdout)["findings"] == []


@pytest.mark.ml
def test_a_repository_review_without_tests_still_reads_the_files_beside(tmp_path):
    """`--no-tests` turns off the change's tests, not the repository: an undefined name's
    message names the module that defines it."""
    repo = tmp_path / "repo"
    (repo / "pkg").mkdir(parents=True)
    (repo / "pkg" / "compat.py").write_text("def reraise(tp, value):\n    raise value\n")
    (repo / "pkg" / "ctx.py").write_text("def pop(exc):\n    return exc\n")
    git = ["git", "-C", str(repo), "-c", "user.name=T", "-c", "user.email=t@example.com"]
    subprocess.run([*git[:3], "init", "-q"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "start"], check=True)
    (repo / "pkg" / "ctx.py").write_text("def pop(exc):\n    reraise(type(exc), exc)\n")
    result = run_review("--repo", str(repo), "--json", "--no-tests", models=True)
    assert result.returncode == 0, result.stderr.decode()
    [finding] = json.loads(result.stdout)["findings"]
    assert finding["kind"] == "undefined_name" and finding["line"] == 2
    assert "a missing `from pkg.compat import reraise`?" in finding["message"]


def test_a_repository_turning_the_tests_stage_off_gets_no_test_findings(tmp_path):
    from reviewapp.reviews.management.commands.bootstrap_demo import build_demo_repository

    repo = tmp_path / "repo"
    range_spec = build_demo_repository(repo)
    (repo / ".squiggle.toml").write_text("[stages]\ntests = false\n")
    result = run_review("--repo", str(repo), "--range", range_spec, "--json")
    data = json.loads(result.stdout)
    assert data["findings"] == [] and "stage tests off" in data["config"]["applied"]


@pytest.mark.parametrize("args,stdin,expected", [
    (("--diff", "-", "--json"), b"garbage, not a diff\n", "no file changes"),
    (("--diff", "/nonexistent/x.diff"), None, "cannot read"),
    (("--repo", "/nonexistent-repo", "--range", "A..B"), None, ""),
    (("--json",), None, "give --diff FILE|- or --repo DIR"),
    (("--diff", "-", "--range", "A..B"), b"", "--range needs --repo"),
])
def test_bad_input_exits_non_zero_with_one_clear_line(args, stdin, expected):
    result = run_review(*args, stdin=stdin)
    err = result.stderr.decode().strip()
    assert result.returncode != 0
    assert "Traceback" not in err
    assert len(err.splitlines()) == 1 and err.startswith("CommandError:")
    assert expected in err


@pytest.mark.slow
def test_a_successful_review_with_the_models_prints_nothing_on_stderr(tmp_path, sample_diff):
    """No model-loading progress bars, no library deprecation warnings: stderr is for problems
    and the review's notes (here: the modules the bug detector read from their hunks alone)."""
    diff = tmp_path / "change.diff"
    diff.write_text(sample_diff)
    env = dict(os.environ, SQUIGGLE_ANALYSIS_ML="1")
    result = subprocess.run([sys.executable, "manage.py", "review", "--diff", str(diff), "--json"],
                            cwd=ROOT, env=env, capture_output=True, timeout=300)
    assert result.returncode == 0, result.stderr.decode()
    notes = result.stderr.decode().splitlines()
    assert notes == [line for line in notes
                     if line.startswith("bug detection: only the hunks of")]
    assert json.loads(result.stdout)["files"]


def test_the_repositorys_squiggle_toml_leaves_files_out_and_is_reported(tmp_path):
    from reviewapp.reviews.management.commands.bootstrap_demo import build_demo_repository

    repo = tmp_path / "repo"
    range_spec = build_demo_repository(repo)
    (repo / ".squiggle.toml").write_text('[review]\nignore = ["shop/cart.py"]\nthreshold = 2\n')
    result = run_review("--repo", str(repo), "--range", range_spec, "--json", "--no-tests")
    assert result.returncode == 0, result.stderr.decode()
    data = json.loads(result.stdout)
    assert "shop/cart.py" not in [f["path"] for f in data["files"]]
    assert data["ignored"] == [{"path": "shop/cart.py",
                                "reason": "ignored by .squiggle.toml (shop/cart.py)"}]
    assert data["config"]["source"] == ".squiggle.toml"
    assert "line 3: `review.threshold` = 2 is invalid" in data["config"]["errors"][0]


def test_a_config_file_applies_to_a_pasted_diff(tmp_path, sample_diff):
    (tmp_path / "squiggle.toml").write_text('[review]\nignore = ["*.md"]\n')
    result = run_review("--diff", "-", "--config", str(tmp_path / "squiggle.toml"), "--json",
                        stdin=sample_diff.encode())
    data = json.loads(result.stdout)
    assert [item["path"] for item in data["ignored"]] == ["README.md"]
    assert data["config"]["applied"] == ["ignore *.md"]


@pytest.mark.ml
def test_the_summary_says_once_when_the_bug_model_found_nothing():
    """A new module holding only a docstring and a version string: nothing to find."""
    diff = ('diff --git a/pkg/version.py b/pkg/version.py\nnew file mode 100644\n'
            '--- /dev/null\n+++ b/pkg/version.py\n@@ -0,0 +1,2 @@\n'
            '+"""The package version."""\n+__version__ = "1.0"\n')
    env = dict(os.environ, SQUIGGLE_ANALYSIS_ML="1")
    result = subprocess.run([sys.executable, "manage.py", "review", "--diff", "-"], cwd=ROOT,
                            env=env, input=diff.encode(), capture_output=True, timeout=300)
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout.decode().count("No likely bugs found in the changed code.") == 1
