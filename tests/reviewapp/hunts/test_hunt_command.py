"""`manage.py hunt --json` end to end on a small buggy project (the DESIGN contract)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def manage(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, SQUIGGLE_ANALYSIS_ML="0")
    return subprocess.run([sys.executable, "manage.py", "hunt", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)


def test_the_cli_prints_validated_patches_as_json(buggy_project):
    done = manage("--repo", str(buggy_project), "--test", "python -m pytest",
                  "--issue", "the last element is never returned", "--budget-s", "120",
                  "--no-bugmodel", "--no-lm", "--json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["status"] == "fixed" and result["reproduced"] is True
    patch = result["patches"][0]
    assert patch["tests_failed"] == 0 and patch["tests_passed"] == 3
    assert patch["diff"].startswith("diff --git a/stats.py b/stats.py")
    assert "validating candidates" in done.stderr  # progress goes to stderr


def test_the_cli_reports_not_reproduced(fixed_project):
    done = manage("--repo", str(fixed_project), "--test", "python -m pytest", "--no-bugmodel",
                  "--json")
    assert done.returncode == 0
    assert json.loads(done.stdout)["status"] == "not_reproduced"


def test_the_cli_refuses_a_missing_repository(tmp_path):
    done = manage("--repo", str(tmp_path / "nope"), "--test", "python -m pytest", "--json")
    assert done.returncode != 0 and "not a directory" in done.stderr
