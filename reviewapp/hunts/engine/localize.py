"""Fault localization: which lines most likely hold the bug.

Signals, combined into one suspiciousness per line of non-test Python files:
- Ochiai over per-test line coverage (coverage.py contexts, one per pytest test):
  failed(l) / sqrt(total_failed * (failed(l) + passed(l)));
- lines named in the failing tests' tracebacks;
- the bug model's per-line probabilities (skipped when the model cannot load);
- functions whose names the issue text mentions;
- the language model's surprisal of each line inside the suspicious functions (its most
  surprising token, relative to the most surprising line of the hunt).
"""

from __future__ import annotations

import ast
import bisect
import logging
import math
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .reproduce import TestCommand, run_tests
from .sandbox import Sandbox

log = logging.getLogger(__name__)

TRACEBACK_WEIGHT = 0.3
BUGMODEL_WEIGHT = 0.5
ISSUE_NAME_WEIGHT = 0.25
LM_SURPRISAL_WEIGHT = 0.1  # measured by benchmarks/hunt_localization.py
LM_FUNCTIONS = 8  # suspicious functions the language model reads (one forward pass each)
_TRACEBACK_LINE = re.compile(r"^([\w./-]+\.py):(\d+):", re.MULTILINE)
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]{2,}")


@dataclass(frozen=True)
class SuspiciousLine:
    """One line and why it is suspected."""

    path: str  # relative to the repository root
    line: int
    score: float
    function: str = ""
    ochiai: float = 0.0
    bugmodel: float = 0.0
    in_traceback: bool = False
    named_in_issue: bool = False
    lm_surprisal: float = 0.0  # the line's most surprising token, / the most of any line
    text: str = ""

    def to_json(self) -> dict:
        return {"path": self.path, "line": self.line, "score": round(self.score, 4),
                "function": self.function, "ochiai": round(self.ochiai, 4),
                "bugmodel": round(self.bugmodel, 4), "in_traceback": self.in_traceback,
                "named_in_issue": self.named_in_issue,
                "lm_surprisal": round(self.lm_surprisal, 4), "text": self.text.strip()}


@dataclass
class Localization:
    lines: list[SuspiciousLine] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    cpu_s: float = 0.0

    def rank_of(self, path: str, line: int) -> int | None:
        """1-based rank of a line in the ranking (None when not ranked)."""
        for rank, item in enumerate(self.lines, 1):
            if item.path == path and item.line == line:
                return rank
        return None


def is_test_file(path: str) -> bool:
    parts = Path(path).parts
    name = parts[-1]
    return (name.startswith("test_") or name.endswith("_test.py") or name == "conftest.py"
            or any(part in ("tests", "test") for part in parts[:-1]))


def source_files(work: Path) -> dict[str, str]:
    """Non-test Python files of the repository copy: {relative path: text}."""
    files = {}
    for path in sorted(work.rglob("*.py")):
        rel = path.relative_to(work).as_posix()
        if is_test_file(rel) or any(part.startswith(".") for part in Path(rel).parts):
            continue
        try:
            files[rel] = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
    return files


def coverage_spectrum(box: Sandbox, command: TestCommand, failing: list[str]
                      ) -> tuple[dict[tuple[str, int], tuple[int, int]], set[str], float]:
    """{(path, line): (failing tests covering it, passing tests covering it)}, the passing set,
    and the CPU seconds spent."""
    import coverage

    data_file = box.work / ".coverage"
    outcome = run_tests(box, command, extra=["--cov", str(box.work), "--cov-context=test",
                                             "--cov-report="])
    counts: dict[tuple[str, int], list[int]] = defaultdict(lambda: [0, 0])
    if not data_file.exists():
        raise RuntimeError("coverage produced no data (is pytest-cov installed?): "
                           + outcome.run.output[-500:])
    data = coverage.CoverageData(basename=str(data_file))
    data.read()
    failing_set, passing_set = set(failing), set(outcome.passed)
    for measured in data.measured_files():
        rel = Path(measured).resolve().relative_to(box.work.resolve()).as_posix() \
            if Path(measured).resolve().is_relative_to(box.work.resolve()) else None
        if rel is None or is_test_file(rel):
            continue
        for line, contexts in (data.contexts_by_lineno(measured) or {}).items():
            tests = {context.split("|")[0] for context in contexts if context}
            counts[(rel, line)][0] += len(tests & failing_set)
            counts[(rel, line)][1] += len(tests & passing_set)
    data_file.unlink(missing_ok=True)
    return {key: (f, p) for key, (f, p) in counts.items()}, passing_set, outcome.run.cpu_s


def ochiai(failed: int, passed: int, total_failed: int) -> float:
    if failed == 0 or total_failed == 0:
        return 0.0
    return failed / math.sqrt(total_failed * (failed + passed))


def traceback_lines(output: str) -> set[tuple[str, int]]:
    """(path, line) pairs pytest printed for the failures ("pkg/a.py:12: in f")."""
    return {(m.group(1).lstrip("./"), int(m.group(2))) for m in _TRACEBACK_LINE.finditer(output)}


def function_spans(text: str) -> list[tuple[str, int, int]]:
    """(qualified name, first line, last line) of every function in a file."""
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return []
    spans = []

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                name = f"{prefix}{child.name}"
                if not isinstance(child, ast.ClassDef):
                    spans.append((name, child.lineno, child.end_lineno or child.lineno))
                visit(child, name + ".")

    visit(tree, "")
    return spans


def enclosing_function(spans: list[tuple[str, int, int]], line: int) -> str:
    inside = [(end - start, name) for name, start, end in spans if start <= line <= end]
    return min(inside)[1] if inside else ""


def bugmodel_scores(files: dict[str, str], lines: dict[str, set[int]]
                    ) -> tuple[dict[tuple[str, int], float], list[dict]]:
    """Per-line bug scores and the model's findings, or empty when it cannot run."""
    from bugmodel import detect

    # Every unit passes a threshold of 0, and the LM's choice of repair would cost each one a
    # second; the localization's weights were measured on the detector's own choice.
    findings = detect(list(files.items()), changed_lines=lines, threshold=0.0, lm_repairs=False)
    scores: dict[tuple[str, int], float] = {}
    for finding in findings:
        # The detector's own score, not the chance the finding is right: it ranks a unit's
        # lines, which is what the localization adds to the spectrum (weights measured on it).
        key = (finding.path, finding.line)
        scores[key] = max(scores.get(key, 0.0), finding.score)
    return scores, [finding.to_dict() for finding in findings]


def lm_line_surprisal(files: dict[str, str], keys: set[tuple[str, int]],
                      spans: dict[str, list[tuple[str, int, int]]],
                      max_functions: int = LM_FUNCTIONS) -> dict[tuple[str, int], float]:
    """Per line of the functions holding `keys`: the surprisal (nats) of its most surprising
    token under the language model, read one function at a time (the functions holding the
    most keys first, at most `max_functions`)."""
    from bugmodel.lm_features import UnitScores
    from inference.engine import get_engine

    engine = get_engine()
    holding: dict[tuple[str, int, int], int] = defaultdict(int)
    for path, line in keys:
        inside = [(end - start, start, end) for _, start, end in spans.get(path, [])
                  if start <= line <= end]
        if inside:
            _, start, end = min(inside)
            holding[(path, start, end)] += 1
    out: dict[tuple[str, int], float] = {}
    for path, start, end in sorted(holding, key=lambda k: -holding[k])[:max_functions]:
        lines = files[path].splitlines(keepends=True)
        text = "".join(lines[start - 1:end])
        unit = UnitScores(engine, text)
        line_starts = [0]
        for piece in lines[start - 1:end]:
            line_starts.append(line_starts[-1] + len(piece))
        for token, char in enumerate(unit.starts[1:], 1):  # token 0 has no prediction
            line = start + bisect.bisect_right(line_starts, char) - 1
            out[(path, line)] = max(out.get((path, line), 0.0), float(unit.surprisal[token]))
    return out


def localize(box: Sandbox, command: TestCommand, failing: list[str], failure_output: str,
             issue_text: str = "", use_bugmodel: bool = True,
             bugmodel: Callable = bugmodel_scores, use_lm_surprisal: bool = False,
             lm_surprisal_weight: float = LM_SURPRISAL_WEIGHT,
             ) -> tuple[Localization, list[dict]]:
    """Ranked suspicious lines (best first) and the bug model's findings on them."""
    result = Localization()
    files = source_files(box.work)
    spectrum: dict[tuple[str, int], tuple[int, int]] = {}
    if command.is_pytest:
        try:
            spectrum, _, result.cpu_s = coverage_spectrum(box, command, failing)
        except Exception as exc:  # no pytest-cov, a plugin clash: fall back to tracebacks
            result.notes.append(f"coverage unavailable, using tracebacks only: {exc}")
    traced = {key for key in traceback_lines(failure_output) if key[0] in files}
    mentioned = {name for name in _IDENTIFIER.findall(issue_text)}
    candidates_keys = {key for key, (f, _) in spectrum.items() if f > 0} | traced
    spans = {path: function_spans(text) for path, text in files.items()}
    for path, path_spans in spans.items():
        for name, start, end in path_spans:
            if name.split(".")[-1] in mentioned:
                candidates_keys |= {(path, line) for line in range(start + 1, end + 1)}
    if not candidates_keys:  # nothing covered (a non-pytest command): every function line
        candidates_keys = {(path, line) for path, path_spans in spans.items()
                           for _, start, end in path_spans for line in range(start + 1, end + 1)}
    model_scores: dict[tuple[str, int], float] = {}
    findings: list[dict] = []
    if use_bugmodel:
        lines: dict[str, set[int]] = defaultdict(set)
        for path, line in candidates_keys:
            lines[path].add(line)
        try:
            model_scores, findings = bugmodel({p: files[p] for p in lines if p in files}, lines)
        except Exception as exc:  # the model is optional: the spectrum alone still works
            result.notes.append(f"bug model skipped: {exc}")
    surprisal: dict[tuple[str, int], float] = {}
    if use_lm_surprisal:
        try:
            surprisal = lm_line_surprisal(files, candidates_keys, spans)
        except Exception as exc:  # the language model is optional too
            result.notes.append(f"language-model surprisal skipped: {exc}")
    most_surprising = max(surprisal.values(), default=0.0) or 1.0
    total_failed = len(failing)
    ranked = []
    for path, line in candidates_keys:
        if path not in files:
            continue
        text_lines = files[path].splitlines()
        text = text_lines[line - 1] if 0 < line <= len(text_lines) else ""
        if not text.strip() or text.strip().startswith(("def ", "class ", "@", "#")):
            continue
        failed, passed = spectrum.get((path, line), (0, 0))
        function = enclosing_function(spans[path], line)
        o = ochiai(failed, passed, total_failed)
        m = model_scores.get((path, line), 0.0)
        in_tb = (path, line) in traced
        named = bool(function) and function.split(".")[-1] in mentioned
        lm = surprisal.get((path, line), 0.0) / most_surprising
        score = (o + BUGMODEL_WEIGHT * m + TRACEBACK_WEIGHT * in_tb
                 + ISSUE_NAME_WEIGHT * named + lm_surprisal_weight * lm)
        ranked.append(SuspiciousLine(path, line, score, function, o, m, in_tb, named, lm, text))
    ranked.sort(key=lambda item: (-item.score, item.path, item.line))
    result.lines = ranked
    return result, findings
