"""Detection on a file known only in part: the new-side lines of a pasted diff's hunks.

A pasted diff carries a modified file's hunks, not the file. Each run of known lines is cut
to the longest stretch around its changed lines that parses once its common indentation is
removed (a hunk usually starts inside a function body and may end on a block opener whose
body it does not show); the stretches are laid out at their own line numbers, blank lines
between, so that the learned detector reads them as module-level code and its findings keep
their lines. Of the whole-file checks only the misuses run on them (`is` against a literal, a
format string at odds with its arguments, ...): a name bound outside the hunks would read as
undefined, a callee's signature or a class's attributes may be outside them.
"""

from __future__ import annotations

import ast
import os
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, replace

from bugmodel.detection import THRESHOLD_ENV, DetectResult, Finding, SkippedFile, detect_files
from bugmodel.detector import LoadedDetector, load_detector
from bugmodel.file_finding import PROBABILITY as CHECK_KINDS

#: Lines tried off each end of a run before giving up on it: enough for a dangling `else:`,
#: the tail of a bracketed expression or a block opener whose body the hunk cuts off.
MAX_TRIM = 12
#: The default threshold on code that was indented in the file (a stretch of a function's
#: body), as a learned finding's score (`Finding.score`, before the finding calibration, which
#: each evaluation refits; the whole file's is about 0.065 under the scaling fitted on
#: 2026-12-07): without the function around it the from-scratch model is surer of its
#: repairs. Chosen on the dev split's bug-introducing changes read as pasted diffs
#: (`python benchmarks/bug_introducing.py --split dev`) so that they get no more learned
#: findings than the same changes read with the whole files; a new scaling needs it chosen
#: again (it was 0.999 under the temperature alone).
DEDENTED_SCORE_THRESHOLD = 0.2


@dataclass(frozen=True)
class PartialSource:
    """Parseable text with the file's line numbers (lines not read are blank) and, per line
    kept, the indentation removed from it."""

    text: str
    dedent: dict[int, str]


def _runs(known: Mapping[int, str]) -> list[list[int]]:
    """The known line numbers in runs of consecutive lines."""
    runs: list[list[int]] = []
    for number in sorted(known):
        if runs and runs[-1][-1] == number - 1:
            runs[-1].append(number)
        else:
            runs.append([number])
    return runs


def _parseable(numbers: list[int], known: Mapping[int, str]) -> tuple[str, str] | None:
    """The stretch's text without its common indentation, and that indentation, when it
    parses."""
    lines = [known[n] for n in numbers]
    indents = [line[: len(line) - len(line.lstrip())] for line in lines if line.strip()]
    prefix = os.path.commonprefix(indents) if indents else ""
    text = "\n".join(line[len(prefix):] if line.strip() else "" for line in lines) + "\n"
    try:
        ast.parse(text)
    except (SyntaxError, ValueError, RecursionError):
        return None
    return text, prefix


def _stretch(run: list[int], known: Mapping[int, str], changed: Collection[int],
             ) -> tuple[list[int], str, str] | None:
    """The longest parseable stretch of `run` holding at least one changed line: its line
    numbers, dedented text and removed indentation."""
    trims = sorted(((top, bottom) for top in range(min(MAX_TRIM, len(run)) + 1)
                    for bottom in range(min(MAX_TRIM, len(run) - top) + 1)
                    if top + bottom < len(run)),
                   key=lambda trim: (trim[0] + trim[1], trim[0]))
    for top, bottom in trims:
        numbers = run[top:len(run) - bottom]
        if not any(n in changed for n in numbers):
            continue
        parsed = _parseable(numbers, known)
        if parsed is not None:
            return numbers, *parsed
    return None


def partial_source(known: Mapping[int, str], changed: Collection[int]) -> PartialSource | None:
    """A `PartialSource` of the known lines ({1-based line: text}) around `changed`, or None
    when no stretch with a changed line parses."""
    lines: list[str] = [""] * (max(known, default=0) + 1)
    dedent: dict[int, str] = {}
    for run in _runs(known):
        found = _stretch(run, known, changed)
        if found is None:
            continue
        numbers, text, prefix = found
        for number, line in zip(numbers, text.split("\n"), strict=False):
            lines[number] = line
            dedent[number] = prefix if line.strip() else ""
    if not dedent:
        return None
    text = "\n".join(lines[1:]) + "\n"
    try:
        # Stretches that each parse parse together; checked, not assumed.
        ast.parse(text)
    except (SyntaxError, ValueError, RecursionError):
        return None
    return PartialSource(text, dedent)


def detect_partial(files: Iterable[tuple[str, Mapping[int, str]]],
                   changed_lines: Mapping[str, Collection[int]], *,
                   threshold: float | None = None, detector: LoadedDetector | None = None,
                   learned_paths: Callable[[str], bool] | None = None,
                   lm_repairs: bool = True) -> DetectResult:
    """The learned detector's findings, and the misuse checks', on files known only by some
    of their lines ((path, {1-based line: text}), ...), with the files' own lines and
    columns; a file with no parseable stretch around its changed lines is reported as
    skipped. `threshold` defaults to an operator's `SQUIGGLE_BUG_THRESHOLD`, else to the
    detector's own on code read as in the file and `DEDENTED_SCORE_THRESHOLD` on code that
    was indented. `learned_paths`, when given, says which files the learned models read;
    `lm_repairs`: as `detect_files`."""
    detector = detector or load_detector()
    dedented_score = 0.0
    if threshold is None and not os.environ.get(THRESHOLD_ENV):
        threshold, dedented_score = detector.threshold, DEDENTED_SCORE_THRESHOLD
    elif threshold is None:
        threshold = float(os.environ[THRESHOLD_ENV])
    partial, result = {}, DetectResult()
    for path, known in files:
        source = partial_source(known, changed_lines.get(path, ()))
        if source is None:
            result.skipped.append(SkippedFile(
                path, "the diff's lines around the change do not parse on their own"))
        else:
            partial[path] = source
    if not partial:
        return result
    found = detect_files(((path, source.text) for path, source in partial.items()),
                         changed_lines, threshold=threshold, detector=detector,
                         learned_paths=learned_paths, whole_files=False,
                         lm_repairs=lm_repairs)
    result.skipped += found.skipped
    result.findings = [_in_file(f, partial[f.path]) for f in found.findings
                       if f.kind in CHECK_KINDS or not partial[f.path].dedent.get(f.line)
                       or (f.score or 0.0) >= dedented_score]
    return result


def _in_file(finding: Finding, source: PartialSource) -> Finding:
    """The finding with the file's columns, and a replacement of several lines re-indented."""
    first, last = source.dedent.get(finding.line, ""), source.dedent.get(finding.end_line, "")
    return replace(finding, column=finding.column + len(first),
                   end_column=finding.end_column + len(last),
                   replacement=finding.replacement.replace("\n", "\n" + first))
