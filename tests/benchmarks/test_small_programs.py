"""Small real programs with one known bug: which submission pairs make a case, and how."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from benchmarks.small_programs import accepted_programs, load_cases, run
from benchmarks.small_programs_data import contest_split, small_program_case
from bugmodel.cases import small_program_cases

FAULTY = '''def score(values):
    total = 0
    for v in values:
        total += v
    return total


n = int(input())
a = list(map(int, input().split()))
if score(a) > n:
    print("Yes")
else:
    print("No")
'''
ACCEPTED = FAULTY.replace("if score(a) > n:", "if score(a) >= n:")
SUBMISSION = "Code/abc300_b/Python/12345"


def test_a_one_line_fix_is_a_case_with_its_lines_and_the_accepted_line():
    case = small_program_case(SUBMISSION, FAULTY, ACCEPTED)
    assert case["bugs"][0]["lines"] == [10, 10]
    assert case["bugs"][0]["fixed_code"] == "if score(a) >= n:"
    assert case["fixed_text"] == ACCEPTED
    assert case["changed"] == list(range(1, FAULTY.count("\n") + 2))
    assert case["split"] == contest_split("abc300")
    assert case["task"] == "abc300_b"


def test_pairs_that_differ_otherwise_are_not_cases():
    two_runs = ACCEPTED.replace("total = 0", "total = 1")
    only_added = FAULTY.replace('    print("No")\n', '    print("No")\nprint()\n')
    assert small_program_case(SUBMISSION, FAULTY, two_runs) is None
    assert small_program_case(SUBMISSION, FAULTY, only_added) is None
    assert small_program_case(SUBMISSION, FAULTY.replace("if score", "if score("),
                              ACCEPTED) is None


def test_every_task_of_a_contest_is_in_its_split():
    splits = {contest_split(f"abc{n}") for n in range(200, 400)}
    assert splits == {"train", "dev", "test"}
    case_b = small_program_case("Code/abc301_b/Python/1", FAULTY, ACCEPTED)
    case_c = small_program_case("Code/abc301_c/Python/2", FAULTY, ACCEPTED)
    assert case_b["split"] == case_c["split"]


def _write(tmp_path: Path, cases: list[dict]) -> Path:
    path = tmp_path / "small_programs.jsonl.gz"
    with gzip.open(path, "wt") as out:
        for case in cases:
            out.write(json.dumps(case) + "\n")
    return path


def test_the_window_holding_the_bug_is_a_case_and_the_others_are_left_out(tmp_path):
    case = small_program_case(SUBMISSION, FAULTY, ACCEPTED)
    path = _write(tmp_path, [case])
    (window,) = small_program_cases(path, case["split"], max_len=256)
    assert "def score" not in window.text  # the function's window holds no bug
    assert window.text.split("\n")[window.bug_lines[0] - 1] == "if score(a) > n:"
    assert window.located and window.exact  # `>` -> `>=` is an enumerated repair
    assert window.candidates[window.exact[0]].apply(window.text).count(">= n") == 1


def test_the_benchmark_reads_the_accepted_programs_as_cases_without_bugs(tmp_path):
    case = small_program_case(SUBMISSION, FAULTY, ACCEPTED)
    path = _write(tmp_path, [case])
    loaded = load_cases(case["split"], path)
    (accepted,) = accepted_programs(loaded)
    assert accepted["text"] == ACCEPTED and accepted["bugs"] == []
    assert accepted["changed"] == list(range(1, ACCEPTED.count("\n") + 2))


def test_the_benchmark_scores_each_detector_on_faulty_and_accepted_programs():
    """With the committed detector: every row has its top-1; the detectors' rows also the
    repair (joint) and the findings on the accepted programs, which have no bug to find."""
    case = small_program_case(SUBMISSION, FAULTY, ACCEPTED)
    rows = run([case])
    assert rows["random_changed_line"]["top1_localisation"] == round(1 / 11, 4)  # code lines
    for name in ("line_ranker", "scratch", "line_ranker without file checks"):
        row = rows[name]
        assert 0.0 <= row["top1_localisation"] <= row["top3_localisation"] <= 1.0
        assert row["joint"] <= row["top1_localisation"]
        assert row["findings_on_accepted_programs"] >= 0
        assert row["findings_per_1000_accepted_lines"] == round(
            1000 * row["findings_on_accepted_programs"] / (ACCEPTED.count("\n") + 1), 3)
