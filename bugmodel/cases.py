"""Evaluation and training cases in one shape: a unit of code, its candidate repairs, and what
is known to be wrong with it (nothing, for clean code).

Sources:
- synthetic records (`synthdata`): a function with one injected bug, and its clean original;
- real single-statement bug fixes mined from public repositories
  (`synthdata/real/fixes.jsonl.gz`, see `synthdata/real/SOURCES.md`): the function before the
  fix, the buggy span and the code that replaced it;
- clean real functions from the same repositories (`synthdata/real/clean.jsonl.gz`); a
  method comes without its class, so its context is empty.

A real fix is *expressible* when one enumerated candidate, applied, gives the fixed code (up to
whitespace); every real fix is *locatable*: the candidates on its lines are where it is.
"""

from __future__ import annotations

import ast
import gzip
import json
import random
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from bugmodel.file_checks import reported_file_findings
from bugmodel.file_finding import FileFinding
from synthdata.corpus import class_header
from synthdata.dataset import Record, iter_records
from synthdata.mining.clean import CLEAN_FILES
from synthdata.rewrites import Candidate, enumerate_candidates
from synthdata.source import INDENTED_UNIT_PREFIX, SourceText, normalise_newlines

REAL_DIR = Path(__file__).resolve().parents[1] / "synthdata" / "real"
#: Variables offered per misuse site, as in detection.
MAX_MISUSE_NAMES = 24
#: Longer real functions are left out (detection scores long functions in ~40-line windows).
MAX_FUNCTION_LINES = 50


@dataclass
class Case:
    """One unit of code to judge. Candidate offsets are into `text`; lines are 1-based in it."""

    origin: str  # "synthetic" | "real" | "feedback"
    split: str
    kind: str  # the bug's kind, or "clean"
    name: str  # where it came from (repository/path:function)
    text: str
    context: str  # the class header of a method, else ""
    candidates: list[Candidate]
    exact: list[int] = field(default_factory=list)  # candidates that are the fix
    located: list[int] = field(default_factory=list)  # candidates on the bug's lines
    bug_lines: tuple[int, int] | None = None
    fixed_text: str | None = None  # the unit as the fix left it (real fixes)
    # What the whole-file checks report on the unit's lines (`bugmodel/file_checks.py`), lines
    # counted in `text`; only cases whose file is known (real fixes, clean functions with
    # `clean_files.jsonl.gz`).
    checked: list[FileFinding] = field(default_factory=list)

    @property
    def buggy(self) -> bool:
        return self.bug_lines is not None

    @property
    def lines(self) -> int:
        """Non-blank lines (the unit of "findings per 1,000 lines")."""
        return sum(1 for line in self.text.split("\n") if line.strip())

    @property
    def key(self) -> str:
        return f"{self.origin}:{self.split}:{self.name}"


def candidate_lines(src: SourceText, candidate: Candidate) -> tuple[int, int]:
    """First and last 1-based line a candidate's span touches."""
    first = src.position(candidate.start)[0]
    return first, src.position(max(candidate.start, candidate.end - 1))[0]


def on_lines(src: SourceText, candidate: Candidate, lines: tuple[int, int]) -> bool:
    first, last = candidate_lines(src, candidate)
    return first <= lines[1] and lines[0] <= last


def _squeeze(text: str) -> str:
    return "".join(text.split())


def locate(case: Case, fixed_text: str | None) -> Case:
    """Fill `exact` (candidates giving `fixed_text`) and `located` (on the bug's lines)."""
    src = SourceText(case.text)
    target = _squeeze(fixed_text) if fixed_text is not None else None
    for i, cand in enumerate(case.candidates):
        if case.bug_lines is not None and on_lines(src, cand, case.bug_lines):
            case.located.append(i)
        if target is not None and _squeeze(cand.apply(case.text)) == target:
            case.exact.append(i)
    return case


def synthetic_cases(data_dir: Path, split: str, limit: int | None, seed: int) -> list[Case]:
    """Two cases per sampled record: the injected bug and the clean original."""
    records: list[Record] = list(iter_records(data_dir, split))
    if limit is not None and len(records) > limit:
        records = random.Random(seed).sample(records, limit)
    cases = []
    for r in records:
        name = f"{r.path}:{r.first_line}"
        target = r.buggy_candidates[r.target]
        src = SourceText(r.buggy)
        buggy = Case("synthetic", split, r.kind, name, r.buggy, r.context, r.buggy_candidates,
                     bug_lines=candidate_lines(src, target))
        locate(buggy, None).exact.append(r.target)
        cases.append(buggy)
        cases.append(Case("synthetic", split, "clean", name, r.clean, r.context,
                          r.clean_candidates))
    return cases


def _read_jsonl(path: Path) -> Iterator[dict]:
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


def function_unit(file_text: str, func_start: int, func_end: int,
                   ) -> tuple[str, str, list[Candidate], int] | None:
    """(unit text, class header, candidates in unit offsets, first line) of the function that
    starts at `func_start` in `file_text`, or None when it does not parse or is not there."""
    try:
        tree = ast.parse(file_text)
    except (SyntaxError, ValueError, RecursionError):
        return None
    found: tuple[ast.AST, ast.ClassDef | None] | None = None
    stack: list[tuple[ast.AST, ast.ClassDef | None]] = [(tree, None)]
    while stack and found is None:
        node, cls = stack.pop()
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                first = min([child.lineno] + [d.lineno for d in child.decorator_list])
                if first <= func_start <= child.lineno and child.end_lineno >= func_end - 2:
                    found = (child, cls)
                    break
            stack.append((child, child if isinstance(child, ast.ClassDef) else cls))
    if found is None:
        return None
    node, cls = found
    src = SourceText(file_text)
    first_line = node.lineno
    start, end = src.line_start(first_line), src.line_end(node.end_lineno)
    try:
        candidates = enumerate_candidates(file_text, tree, [node], MAX_MISUSE_NAMES, src)
    except (SyntaxError, ValueError, RecursionError):
        return None
    inside = [Candidate(c.kind, c.start - start, c.end - start, c.replacement)
              for c in candidates if start <= c.start and c.end <= end]
    return (file_text[start:end] + "\n", class_header(file_text.split("\n"), cls), inside,
            first_line)


def _file_offset(row: dict) -> int:
    """Lines cut from the top of `file_before` (row line numbers count from the real file)."""
    return int(row.get("file_offset") or 0)


def real_fix_cases(path: Path, split: str | None = None, limit: int | None = None,
                   seed: int = 0, after_fix: bool = False) -> list[Case]:
    """Buggy cases from mined fixes (all splits when `split` is None; a seeded sample of
    `limit` fixes). With `after_fix`, the same functions as each fix left them instead (kind
    "fixed", no bug, same names): code a detector should no longer flag."""
    rows = [r for r in _read_jsonl(path) if split is None or r["split"] == split]
    if limit is not None and len(rows) > limit:
        rows = random.Random(seed).sample(rows, limit)
    cases = []
    for row in rows:
        text = normalise_newlines(row["file_before"])
        shift = _file_offset(row)
        func_start, func_end = row["func_start"] - shift, row["func_end"] - shift
        if func_end - func_start + 1 > MAX_FUNCTION_LINES:
            continue
        unit = function_unit(text, func_start, func_end)
        if unit is None:
            continue
        unit_text, context, candidates, first_line = unit
        src = SourceText(text)
        bug_line, bug_end = row["bug_line"] - shift, row["bug_end_line"] - shift
        # The miner's columns are character offsets (`SourceText.position`), not ast's bytes.
        s = src.line_start(bug_line) + row["bug_col"]
        e = src.line_start(bug_end) + row["bug_end_col"]
        fixed = text[:s] + row["fixed_code"] + text[e:]
        if after_fix:  # only fixes whose buggy unit is judged, so the pairs stay aligned
            fixed_case = _fixed_case(row, fixed, func_start,
                                     func_end + fixed.count("\n") - text.count("\n"))
            if fixed_case is not None:
                cases.append(fixed_case)
            continue
        unit_start = src.line_start(first_line)
        fixed_unit = fixed[unit_start : unit_start + len(unit_text) - 1
                           + len(row["fixed_code"]) - (e - s)] + "\n"
        lines = (bug_line - first_line + 1, max(bug_line, bug_end) - first_line + 1)
        case = Case("real", row["split"], row.get("kind") or "other",
                    _name(row), unit_text, context, candidates, bug_lines=lines,
                    fixed_text=fixed_unit,
                    checked=unit_file_findings(file_check_findings(text, row["path"]),
                                               first_line, unit_text))
        cases.append(locate(case, fixed_unit))
    return cases


def _name(row: dict) -> str:
    return f"{row['repo']}@{row['commit'][:10]}/{row['path']}:{row.get('func_name')}"


def _fixed_case(row: dict, fixed_file: str, func_start: int, func_end: int) -> Case | None:
    """The function of a mined fix as the fix left it, judged in the fixed file."""
    unit = function_unit(fixed_file, func_start, func_end)
    if unit is None:
        return None
    unit_text, context, candidates, first_line = unit
    return Case("real", row["split"], "fixed", _name(row), unit_text, context, candidates,
                checked=unit_file_findings(file_check_findings(fixed_file, row["path"]),
                                           first_line, unit_text))


def real_clean_cases(path: Path, split: str | None = None, limit: int | None = None,
                     seed: int = 0) -> list[Case]:
    """Clean cases from functions no fix touched (a seeded sample of `limit` of them)."""
    rows = [r for r in _read_jsonl(path) if split is None or r["split"] == split]
    if limit is not None and len(rows) > limit:
        rows = random.Random(seed).sample(rows, limit)
    files = _clean_files(path.parent / CLEAN_FILES)
    checked: dict[tuple[str, str, str], list[FileFinding]] = {}
    cases = []
    for row in rows:
        source = normalise_newlines(row["source"]).rstrip("\n") + "\n"
        if source.count("\n") > MAX_FUNCTION_LINES:
            continue
        # A method arrives indented and without its class: an `if` block makes it parse as is.
        wrapper = INDENTED_UNIT_PREFIX if source[:1] in " \t" else ""
        unit = function_unit(wrapper + source, 1 + wrapper.count("\n"),
                              wrapper.count("\n") + source.count("\n"))
        if unit is None:
            continue
        unit_text, _, candidates, _ = unit
        key = (row["repo"], row["commit"], row["path"])
        if key in files and key not in checked:
            checked[key] = file_check_findings(files[key], row["path"])
        cases.append(Case("real", row["split"], "clean",
                          f"{row['repo']}/{row['path']}:{row.get('func_name')}", unit_text, "",
                          candidates, checked=unit_file_findings(
                              checked.get(key, []), int(row["func_start"]), unit_text)))
    return cases


def _clean_files(path: Path) -> dict[tuple[str, str, str], str]:
    """(repo, commit, path) -> whole file text, for the clean functions' files that were
    kept (`python -m synthdata clean-files`); empty when there is no such file."""
    if not path.exists():
        return {}
    return {(r["repo"], r["commit"], r["path"]): normalise_newlines(r["text"])
            for r in _read_jsonl(path)}


def small_program_cases(path: Path, split: str, max_len: int) -> list[Case]:
    """Buggy cases from small real programs with one known bug each (`small_programs.jsonl.gz`,
    built by `benchmarks/small_programs_data.py`): each window detection reads in the faulty
    program (`bugmodel.detection.windows`, for a model of `max_len` tokens) that holds the
    bug's lines. Training cases: the whole-file checks are not run (`checked` stays empty).

    The program's other windows are not offered as clean code: contest code is full of
    `range(n - 1)` and `len(a) - 1` that are right, and a ranker taught NO_BUG on them stopped
    reporting an off-by-one introduced into a library function (MODEL_CARD.md)."""
    from bugmodel.detection import relative_candidates, window_budget, windows

    cases = []
    for row in _read_jsonl(path):
        if row["split"] != split:
            continue
        text, bug = row["text"], row["bugs"][0]
        first, last = bug["lines"]
        lines = text.split("\n")
        for window in windows(row["path"], text, ast.parse(text), window_budget(max_len), None):
            start = window.src.position(window.start)[0]
            end = start + window.text.count("\n") - 1
            if not start <= first <= last <= end:
                continue
            fixed = lines[start - 1:first - 1] + [bug["fixed_code"]] + lines[last:end]
            case = Case("real", split, bug["kind"], f"{row['commit']}:{start}", window.text,
                        window.context, relative_candidates(window),
                        bug_lines=(first - start + 1, last - start + 1))
            cases.append(locate(case, "\n".join(fixed) + "\n"))
    return cases


def file_check_findings(file_text: str, path: str) -> list[FileFinding]:
    """The whole-file checks' findings as detection reports them (none when the file does not
    parse)."""
    try:
        return reported_file_findings(path, file_text)
    except (SyntaxError, ValueError, RecursionError):
        return []


def unit_file_findings(findings: list[FileFinding], first_line: int, unit_text: str,
                       ) -> list[FileFinding]:
    """Those of a file's `findings` inside the unit's lines (which start at `first_line` in
    the file), with lines counted in the unit."""
    last_line = first_line + unit_text.count("\n") - 1
    return [replace(f, line=f.line - first_line + 1, end_line=f.end_line - first_line + 1)
            for f in findings if first_line <= f.line and f.end_line <= last_line]
