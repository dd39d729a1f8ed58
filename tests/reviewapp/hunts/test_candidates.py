"""Candidates: at the suspicious lines only, deduplicated by AST, cheapest sources first."""

from __future__ import annotations

import ast

from reviewapp.hunts.engine.candidates import (
    BUGMODEL,
    INVERSE,
    LM,
    MULTI_TOKEN,
    generate,
    new_candidates,
)
from reviewapp.hunts.engine.lm_candidates import lm_candidates
from reviewapp.hunts.engine.localize import SuspiciousLine, ochiai

SOURCE = '''\
def price(value, percent):
    reduced = value - value * percent / 100
    return min(reduced, 0)


def unrelated(a, b):
    return a < b
'''


def line(number: int, score: float = 1.0) -> SuspiciousLine:
    return SuspiciousLine("pricing.py", number, score)


def test_candidates_touch_only_the_suspicious_lines():
    candidates = generate({"pricing.py": SOURCE}, [line(3)], [])
    assert candidates and {c.line for c in candidates} == {3}
    assert all("return a < b" in c.new_text for c in candidates)  # line 7 left alone


def test_a_swapped_call_name_is_a_single_token_candidate():
    candidates = generate({"pricing.py": SOURCE}, [line(3)], [])
    swap = [c for c in candidates if "return max(reduced, 0)" in c.new_text]
    assert len(swap) == 1 and swap[0].stage == INVERSE


def test_call_names_beyond_the_rewrites_are_swapped_too():
    source = "import math\n\ndef pages(n, size):\n    return math.floor(n / size)\n"
    candidates = generate({"pricing.py": source}, [line(4)], [])
    assert [c.description for c in candidates if c.kind == "call_name"] == [
        "call_name: floor → ceil"]


def test_candidates_are_unique_by_normalised_ast():
    candidates = generate({"pricing.py": SOURCE}, [line(2), line(3, 0.9)], [])
    dumps = [ast.dump(ast.parse(c.new_text)) for c in candidates]
    assert len(dumps) == len(set(dumps))
    assert ast.dump(ast.parse(SOURCE)) not in dumps


def test_bug_model_repairs_come_first_and_multi_token_edits_after_single_tokens():
    finding = {"path": "pricing.py", "line": 3, "end_line": 3, "column": 11, "end_column": 14,
               "kind": "call_name", "replacement": "max", "probability": 0.9, "score": 0.9}
    candidates = generate({"pricing.py": SOURCE}, [line(3)], [finding])
    assert candidates[0].stage == BUGMODEL and "max(reduced, 0)" in candidates[0].new_text
    stages = [c.stage for c in candidates]
    assert stages.index(MULTI_TOKEN) > stages.index(INVERSE)


def test_bug_model_candidates_weigh_findings_relative_to_the_strongest():
    """The detector's scores are calibrated to real code, so their scale can change with a
    refit: the same findings at a tenth of the scores give the same candidates and scores."""
    findings = [
        {"path": "pricing.py", "line": 3, "end_line": 3, "column": 11, "end_column": 14,
         "kind": "call_name", "replacement": "max", "probability": 0.9, "score": 0.6},
        {"path": "pricing.py", "line": 3, "end_line": 3, "column": 11, "end_column": 14,
         "kind": "call_name", "replacement": "abs", "probability": 0.3, "score": 0.2}]
    scaled = [{**f, "score": f["score"] / 10} for f in findings]

    def bug_model(found):
        return [(c.new_text, round(c.score, 9)) for c in
                generate({"pricing.py": SOURCE}, [line(3)], found) if c.stage == BUGMODEL]

    assert len(bug_model(findings)) == 2 and bug_model(findings) == bug_model(scaled)


def test_a_forgotten_import_s_candidate_adds_the_import():
    source = "import os\n\n\ndef report():\n    return traceback.format_exc()\n"
    finding = {"path": "pricing.py", "line": 5, "end_line": 5, "column": 11, "end_column": 20,
               "kind": "undefined_name", "replacement": "traceback", "probability": 0.92,
               "score": 0.92, "added_import": "import traceback"}
    first = generate({"pricing.py": source}, [line(5)], [finding])[0]
    assert first.stage == BUGMODEL
    assert first.new_text == source.replace("import os\n", "import os\nimport traceback\n")
    assert first.description == "bug model undefined_name: add `import traceback`"


def test_ochiai_prefers_lines_only_failing_tests_run():
    assert ochiai(failed=1, passed=0, total_failed=1) == 1.0
    assert ochiai(failed=1, passed=3, total_failed=1) == 0.5
    assert ochiai(failed=0, passed=2, total_failed=1) == 0.0


def test_language_model_answers_replace_exactly_the_suspicious_line():
    prompts = []

    def answer(prompt: str) -> str:
        prompts.append(prompt)
        return "return max(reduced, 0)\n```"

    candidates = lm_candidates({"pricing.py": SOURCE}, [line(3)], "assert -20 == 180",
                               generate=answer, diverge=None)
    assert len(prompts) == 2 and "assert -20 == 180" in prompts[1]
    assert "return min(reduced, 0)" in prompts[0] and prompts[0].endswith("```python\n    ")
    assert candidates[0].stage == LM
    assert candidates[0].new_text == SOURCE.replace("min(reduced", "max(reduced")


def test_language_model_copies_are_dropped_as_duplicates():
    copy = lm_candidates({"pricing.py": SOURCE}, [line(3)], "",
                         generate=lambda prompt: "return min(reduced, 0)", diverge=None)
    assert new_candidates(copy, {"pricing.py": SOURCE}, []) == []


def test_divergent_lines_become_candidates_of_their_own_kind():
    asked = []

    def diverge(prompt: str, wrong: str, alternatives: int) -> list[str]:
        asked.append((prompt, wrong, alternatives))
        return ["return max(reduced, 0)", "return min(reduced, 1)"]

    candidates = lm_candidates({"pricing.py": SOURCE}, [line(3)], "assert -20 == 180",
                               generate=None, diverge=diverge, alternatives=2)
    assert [(wrong, n) for _, wrong, n in asked] == [("return min(reduced, 0)", 2)]
    assert "assert -20 == 180" in asked[0][0]  # the prompt with the failing output
    assert [c.kind for c in candidates] == ["lm_divergence", "lm_divergence"]
    assert candidates[0].new_text == SOURCE.replace("min(reduced", "max(reduced")
