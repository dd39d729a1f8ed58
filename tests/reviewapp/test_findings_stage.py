"""The review's findings stage with the committed detector (the line ranker by default, the
from-scratch model alone when chosen):
changed code gets findings, a function's unchanged code and harmless edits stay silent; and the
whole review of the demo, whose own test proves the boundary bug the detector misses."""

from __future__ import annotations

import subprocess

import pytest

from bugmodel import detect
from reviewapp.findings import find_bugs
from reviewapp.findings.checkout import LocalCheckout
from reviewapp.ingest.git_source import diff_from_git
from reviewapp.ingest.parser import parse_diff
from reviewapp.pipeline import review_diff
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


@pytest.mark.parametrize("path", ["tests/test_total.py", "docs/total.py", "scripts/total.py",
                                  "docs_src/total.py", "demos/total.py"])
def test_tests_docs_and_scripts_get_the_checks_but_not_the_learned_detector(path):
    """The learned models know the projects' own modules only; the same off-by-one in a test
    file is not reported, a name nothing binds still is (but in documentation and examples,
    typer's `docs_src/` tutorials among them)."""
    new = TOTAL.replace("range(len(prices))", "range(len(prices) - 1)")
    assert find_bugs(make_diff({path: (TOTAL, new)})) == []
    typo = new.replace("return result", "return reslt")
    assert [f.kind for f in find_bugs(make_diff({path: (TOTAL, typo)}))] == (
        [] if path.split("/")[0] in ("docs", "docs_src", "demos") else ["undefined_name"])


@pytest.mark.parametrize("detector", ["line_ranker", "scratch"])
def test_changed_code_alone_gets_findings_and_replacements_fit_their_span(detector,
                                                                          monkeypatch):
    """Below the threshold too (threshold 0: each changed unit's best proposal), findings sit on
    changed lines only and each replacement, applied to its span, gives valid code."""
    monkeypatch.setenv("SQUIGGLE_BUG_DETECTOR", detector)
    old = TOTAL + '\n\ndef last(items):\n    """The last item."""\n    if not items:\n' \
        '        return None\n    return items[len(items) - 1]\n'
    new = old.replace("items[len(items) - 1]", "items[len(items)]")
    line = new.split("\n").index("    return items[len(items)]") + 1
    findings = detect([("shop/total.py", new)], {"shop/total.py": {line}}, threshold=0.0)
    assert [f.line for f in findings] == [line]
    lines, f = new.split("\n"), findings[0]
    lines[line - 1] = lines[line - 1][: f.column] + f.replacement + lines[line - 1][f.end_column :]
    compile("\n".join(lines), "total.py", "exec")


def test_a_pasted_diff_gets_the_learned_finding_from_its_hunks_and_says_what_was_read():
    """A pasted diff carries only the hunks of a modified file: the learned detector reads
    them (`bugmodel.partial_sources`), and the review's note says which checks did not run;
    a harmless pasted edit stays silent."""
    new = TOTAL.replace("range(len(prices))", "range(len(prices) - 1)")
    notes: list[str] = []
    findings = find_bugs(make_diff({"shop/total.py": (TOTAL, new)}, contents=False), None, notes)
    assert [(f.line, f.replacement) for f in findings] == [(4, "len(prices)")]
    assert "`shop/total.py`" in notes[0] and "did not run" in notes[0]
    harmless = TOTAL.replace('"""How many prices there are."""', '"""The number of prices."""')
    assert find_bugs(make_diff({"shop/total.py": (TOTAL, harmless)}, contents=False)) == []


def test_a_harmless_diff_gets_no_finding():
    new = TOTAL.replace('"""How many prices there are."""', '"""The number of prices."""')
    assert find_bugs(make_diff({"shop/total.py": (TOTAL, new)})) == []


def test_names_the_old_files_already_read_unbound_are_not_called_undefined():
    """A test framework's injected builtins (chai's `assertEqual`), seen in a review of arrow;
    a name the change itself leaves unbound is still reported."""
    old = ("from chai import Chai\n\n\nclass ParserTests(Chai):\n"
           "    def test_day(self):\n        assertEqual(self.day, 3)\n")
    new = old + "\n    def test_hour(self):\n        assertEqual(self.hour, 4)\n"
    typo = new + "\n    def test_minute(self):\n        asertEqual(self.minute, 5)\n"
    assert find_bugs(make_diff({"tests/parser_tests.py": (old, new)})) == []
    findings = find_bugs(make_diff({"tests/parser_tests.py": (old, typo)}))
    line = typo.split("\n").index("        asertEqual(self.minute, 5)") + 1
    assert [(f.kind, f.line) for f in findings] == [("undefined_name", line)]


@pytest.fixture(scope="module")
def demo_findings(tmp_path_factory) -> tuple[list, list[str]]:
    """Findings of the review's findings stage on the demo change, and the new prices.py."""
    repo = tmp_path_factory.mktemp("demo") / "repo"
    range_spec = build_demo_repository(repo)
    text = subprocess.run(["git", "-C", str(repo), "diff", "-M", range_spec], check=True,
                          capture_output=True, text=True).stdout
    diff = parse_diff(text)
    for pfile in diff.files:
        if pfile.path.endswith(".py"):
            pfile.new_content = (repo / pfile.path).read_text()
    return find_bugs(diff), (repo / "shop" / "prices.py").read_text().split("\n")


def _is_the_demo_bug(finding, prices: list[str]) -> bool:
    return (finding.path == "shop/prices.py" and finding.replacement == ">="
            and "if quantity > threshold:" in prices[finding.line - 1])


def test_the_demo_review_raises_no_false_alarm(demo_findings):
    findings, prices = demo_findings
    assert all(_is_the_demo_bug(f, prices) for f in findings)


@pytest.fixture(scope="module")
def demo_review(tmp_path_factory) -> tuple[list, list[str]]:
    """The whole review of the demo change as `manage.py review --repo --range` runs it: the
    bug model, then the change's own tests at the head's checkout."""
    repo = tmp_path_factory.mktemp("demo-review") / "repo"
    diff = diff_from_git(str(repo), build_demo_repository(repo))
    result = review_diff(diff, checkout=LocalCheckout(str(repo), diff.head_sha))
    return result.to_json()["findings"], (repo / "shop" / "prices.py").read_text().split("\n")


def test_the_demo_review_shows_its_boundary_bug(demo_review):
    """The demo's bulk discount starts at `threshold` items ("from threshold items on") but the
    code says `>`: its new test fails, `>=` makes it pass, and the review shows that one
    finding on the comparison (no second one on the same span, no false alarm)."""
    findings, prices = demo_review
    assert len(findings) == 1
    [finding] = findings
    line = prices[finding["line"] - 1]
    assert line.strip() == "if quantity > threshold:" and finding["path"] == "shop/prices.py"
    assert line[finding["column"]:finding["end_column"]] == ">"
    assert finding["replacement"] == ">=" and "test_bulk_discount_from_ten_items" in \
        finding["message"]
