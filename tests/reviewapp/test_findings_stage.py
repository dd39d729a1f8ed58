"""The review's findings stage with the committed detector (the cascade on SmolLM2-135M):
changed code gets findings, a function's unchanged code and harmless edits stay silent."""

from __future__ import annotations

import subprocess

import pytest

from reviewapp.ingest.parser import parse_diff
from reviewapp.pipeline import find_bugs
from reviewapp.reviews.management.commands.bootstrap_demo import build_demo_repository

from .importance.conftest import make_diff

pytestmark = [pytest.mark.ml, pytest.mark.slow]

TOTAL = '''def total(prices):
    """Sum of every price."""
    result = 0
    for i in range(len(prices)):
        result += prices[i]
    return result


def describe(prices):
    """How many prices there are."""
    return f"{len(prices)} prices"
'''


def test_a_diff_introducing_an_off_by_one_gets_a_finding_on_that_line():
    new = TOTAL.replace("range(len(prices))", "range(len(prices) - 1)")
    findings = find_bugs(make_diff({"shop/total.py": (TOTAL, new)}))
    assert [f.line for f in findings] == [4]
    finding = findings[0]
    line = new.split("\n")[3]
    fixed = line[: finding.column] + finding.replacement + line[finding.end_column :]
    assert fixed == TOTAL.split("\n")[3] and finding.message


def test_a_harmless_diff_gets_no_finding():
    new = TOTAL.replace('"""How many prices there are."""', '"""The number of prices."""')
    assert find_bugs(make_diff({"shop/total.py": (TOTAL, new)})) == []


def test_the_demo_review_shows_its_boundary_bug_and_nothing_else(tmp_path):
    """The demo's bulk discount starts at `threshold` items ("from threshold items on") but the
    code says `>`: the one finding is that comparison, repaired to `>=`."""
    repo = tmp_path / "demo"
    range_spec = build_demo_repository(repo)
    text = subprocess.run(["git", "-C", str(repo), "diff", "-M", range_spec], check=True,
                          capture_output=True, text=True).stdout
    diff = parse_diff(text)
    for pfile in diff.files:
        if pfile.path.endswith(".py"):
            pfile.new_content = (repo / pfile.path).read_text()
    findings = find_bugs(diff)
    assert [(f.path, f.replacement) for f in findings] == [("shop/prices.py", ">=")]
    source = (repo / "shop" / "prices.py").read_text().split("\n")
    assert "if quantity > threshold:" in source[findings[0].line - 1]
