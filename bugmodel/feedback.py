"""Reviewers' verdicts as training cases (`python manage.py export_feedback` writes them).

An accepted finding is a bug on its lines; a finding dismissed as a false positive is a
function that a reviewer read and judged clean. Dismissals as "won't fix" or "not important"
are real bugs left on purpose, so they teach neither and are left out. A record becomes a case
only when its code context holds the whole function around the finding (a pasted diff's hunks
often do not): the case is that function, as in the mined data.
"""

from __future__ import annotations

import ast
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from bugmodel.cases import Case, function_unit, locate
from synthdata.source import normalise_newlines

FORMAT = "squiggle-feedback/1"


@dataclass
class FeedbackCases:
    """The cases read from feedback files, and how many records could not become one."""

    cases: list[Case] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)

    def skip(self, why: str) -> None:
        self.skipped[why] = self.skipped.get(why, 0) + 1


def _enclosing_function(text: str, line: int) -> tuple[int, int] | None:
    """First and last line of the innermost function holding `line`, or None."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError):
        return None
    best = None
    for node in ast.walk(tree):
        if (isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
                and node.lineno <= line <= node.end_lineno
                and (best is None or node.lineno >= best[0])):
            best = (node.lineno, node.end_lineno)
    return best


def _case(record: dict, out: FeedbackCases) -> Case | None:
    if record.get("format") != FORMAT:
        out.skip("unknown format")
        return None
    if record.get("label") == "not_bug" and record.get("reason") != "false_positive":
        out.skip("left on purpose (won't fix / not important)")
        return None
    text = normalise_newlines(record.get("context", {}).get("text") or "") + "\n"
    start = int(record.get("context", {}).get("start_line") or 1)
    line, end_line = int(record["line"]) - start + 1, int(record["end_line"]) - start + 1
    span = _enclosing_function(text, line)
    unit = function_unit(text, *span) if span else None
    if unit is None:
        out.skip("context does not hold the whole function")
        return None
    unit_text, context, candidates, first_line = unit
    name = f"{record.get('repository')}/{record.get('path')}:{record.get('line')}"
    if record.get("label") == "bug":
        lines = (line - first_line + 1, end_line - first_line + 1)
        return locate(Case("feedback", "train", record.get("kind") or "other", name, unit_text,
                           context, candidates, bug_lines=lines), None)
    return Case("feedback", "train", "clean", name, unit_text, context, candidates)


def feedback_cases(paths: Iterable[Path]) -> FeedbackCases:
    """Training cases from exported feedback JSONL files."""
    out = FeedbackCases()
    for path in paths:
        with open(path, encoding="utf-8") as handle:
            for raw in handle:
                if not raw.strip():
                    continue
                try:
                    record = json.loads(raw)
                except json.JSONDecodeError:
                    out.skip("not JSON")
                    continue
                case = _case(record, out)
                if case is not None:
                    out.cases.append(case)
    return out
