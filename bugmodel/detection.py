"""The detect API: Python files in, calibrated findings with suggested replacements out."""

from __future__ import annotations

import ast
import bisect
import io
import logging
import os
import tokenize
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch

from bugmodel.candidate_scoring import predict_logits, seen_columns
from bugmodel.data import Encoded, encode
from bugmodel.detector import LoadedDetector, load_detector
from bugmodel.file_checks import is_example_path, reported_file_findings
from bugmodel.file_finding import NAME_KINDS, FileFinding, span_text
from bugmodel.line_ranker import candidate_logits, unit_lines
from bugmodel.messages import consequence, describe, effect, severity
from bugmodel.plausible_repairs import (
    discarded_return_sites,
    fold_into_no_bug,
    implausible_repairs,
    sole_returns,
)
from bugmodel.repair_choice import MAX_UNITS_READ, lm_chooses_repairs, lm_reordered
from bugmodel.repeated_reads import fold_repeated_reads
from bugmodel.tokenizer import lex
from bugmodel.undefined_names import unbound_reads
from synthdata.corpus import class_header
from synthdata.mining.fixes import is_source_path
from synthdata.rewrites import Candidate, enumerate_candidates
from synthdata.source import SourceText, normalise_newlines

log = logging.getLogger(__name__)
MODULE_CHUNK_LINES = 40
# Variables offered per misuse site: bounds candidates in functions with hundreds of locals.
MAX_MISUSE_NAMES = 24

#: Overrides the calibrated default threshold of `detect` (a probability in [0, 1]).
THRESHOLD_ENV = "SQUIGGLE_BUG_THRESHOLD"


@dataclass(frozen=True)
class Finding:
    """A likely bug: `replacement` replaces exactly the span (lines 1-based, columns 0-based
    character offsets, end exclusive, as in Python's `ast`); `added_import`, when not empty,
    is a statement the fix also adds among the file's imports (a forgotten import)."""

    path: str
    line: int
    end_line: int
    column: int
    end_column: int
    kind: str
    message: str
    probability: float  # the chance that it is right, calibrated on real code
    severity: str  # high | medium | low
    replacement: str
    added_import: str = ""
    #: What the detector ranked it by: the learned models' scaled softmax score
    #: (`LoadedDetector.scaling`) before the finding calibration, a check's own probability
    #: (bug hunts add it to their other evidence).
    score: float | None = None

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class SkippedFile:
    """A file that was not analysed, and why."""

    path: str
    reason: str


@dataclass
class DetectResult:
    findings: list[Finding] = field(default_factory=list)
    skipped: list[SkippedFile] = field(default_factory=list)


class UnreadableSource(ValueError):
    """A file that cannot be decoded as Python source."""


def read_python_file(path: str | Path) -> str:
    """Decode a file the way Python would (PEP 263 cookie or BOM, default UTF-8)."""
    data = Path(path).read_bytes()
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        return data.decode(encoding)
    except (SyntaxError, LookupError, UnicodeDecodeError) as exc:
        raise UnreadableSource(f"cannot decode as Python source: {exc}") from exc


@dataclass
class Window:
    """One model input: a slice of a file and the candidates it scores."""

    path: str
    src: SourceText
    start: int  # character offset of the slice in the file
    text: str
    context: str
    candidates: list[Candidate]  # offsets relative to the file
    implausible: set[int]  # candidates no developer would make (`bugmodel.plausible_repairs`)


def _units(tree: ast.Module) -> Iterator[tuple[list[ast.AST], ast.ClassDef | None]]:
    """Functions and methods (nested classes included), then runs of module-level statements."""
    def in_class(body: list[ast.stmt], cls: ast.ClassDef | None):
        for node in body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                yield [node], cls
            elif isinstance(node, ast.ClassDef):
                yield from in_class(node.body, node)

    yield from in_class(tree.body, None)
    chunk: list[ast.AST] = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            if chunk:
                yield chunk, None
            chunk = []
            continue
        if chunk and node.end_lineno - chunk[0].lineno >= MODULE_CHUNK_LINES:
            yield chunk, None
            chunk = []
        chunk.append(node)
    if chunk:
        yield chunk, None


def _slices(text: str, budget: int) -> list[tuple[int, int]]:
    """Line-aligned [start, end) character slices of at most ~`budget` tokens, half-overlapping."""
    tokens = lex(text)
    if len(tokens) <= budget:
        return [(0, len(text))]
    line_starts = [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n" and i + 1 < len(text)]
    token_starts = [t.start for t in tokens]

    def tokens_before(offset: int) -> int:
        return bisect.bisect_left(token_starts, offset)

    slices = []
    first_line = 0
    while True:
        start = line_starts[first_line]
        last_line = first_line + 1
        while (last_line < len(line_starts)
               and tokens_before(line_starts[last_line]) - tokens_before(start) <= budget):
            last_line += 1
        end = line_starts[last_line] if last_line < len(line_starts) else len(text)
        slices.append((start, end))
        if end >= len(text):
            return slices
        first_line = max(first_line + 1, (first_line + last_line) // 2)


def window_budget(max_len: int) -> int:
    """Code tokens per window for a model reading `max_len` tokens: a quarter is kept for the
    class header (`bugmodel.data.encode`), two for the markers."""
    return max_len - max_len // 4 - 2


def windows(path: str, text: str, tree: ast.Module, budget: int,
             changed: Collection[int] | None) -> list[Window]:
    """Model inputs for a file: one per unit, or line-aligned slices of long units."""
    src = SourceText(text)
    lines = text.split("\n")
    returns, discarded = sole_returns(tree, src), discarded_return_sites(tree, src)
    found: list[Window] = []
    for scope, cls in _units(tree):
        first, last = scope[0].lineno, scope[-1].end_lineno
        if changed is not None and not any(first <= n <= last for n in changed):
            continue
        candidates = enumerate_candidates(text, tree, scope, MAX_MISUSE_NAMES, src)
        if not candidates:
            continue
        unit_start, unit_end = src.line_start(first), src.line_end(last)
        implausible = implausible_repairs(src, candidates, [
            r for r in returns if unit_start <= r[0][0] < unit_end], discarded)
        unit_text = text[unit_start:unit_end] + "\n"
        for s0, s1 in _slices(unit_text, budget):
            lo, hi = unit_start + s0, unit_start + s1
            kept = [i for i, c in enumerate(candidates) if lo <= c.start and c.end <= hi]
            inside = [candidates[i] for i in kept]
            if changed is not None and not any(_touches(c, src, changed) for c in inside):
                continue  # a slice of a long unit with no changed code: nothing to report
            if inside:
                found.append(Window(path, src, lo, unit_text[s0:s1], class_header(lines, cls),
                                    inside, {j for j, i in enumerate(kept)
                                             if i in implausible}))
    return found


def relative_candidates(window: Window) -> list[Candidate]:
    """The window's candidates with offsets into its own text."""
    return [Candidate(c.kind, c.start - window.start, c.end - window.start, c.replacement)
            for c in window.candidates]


def _touches(candidate: Candidate, src: SourceText, changed: Collection[int]) -> bool:
    first = src.position(candidate.start)[0]
    last = src.position(max(candidate.start, candidate.end - 1))[0]
    return any(first <= n <= last for n in changed)


def _finding(window: Window, candidate: Candidate, probability: float, score: float,
             ) -> Finding:
    src = window.src
    line, column = src.position(candidate.start)
    end_line, end_column = src.position(candidate.end)
    original = src.text[candidate.start : candidate.end]
    does = effect(candidate.kind, original, candidate.replacement,
                  src.text[src.line_start(line) : src.line_end(line)])
    message = (f"{describe(candidate.kind, original, candidate.replacement)}; if so, "
               f"{consequence(does)}")
    return Finding(window.path, line, end_line, column, end_column, candidate.kind, message,
                   probability, severity(does, probability), candidate.replacement, score=score)


def _decide(detector: LoadedDetector, window: Window, sample: Encoded, row: np.ndarray,
            ) -> tuple[list[int], np.ndarray]:
    """(candidate index per column, logits over NO_BUG + columns) for one window: the
    from-scratch model's own verdict, or the line ranker's."""
    if detector.ranker is None:
        return [int(i) for i in sample.candidate_index], row
    full = np.full(1 + len(window.candidates), -np.inf, dtype=np.float32)
    full[0] = row[0]
    full[1 + sample.candidate_index] = row[1:]
    return seen_columns(candidate_logits(
        detector.ranker, unit_lines(window.text, relative_candidates(window), full), full))


def _lm_repairs(decided: list[tuple[Window, list[int], np.ndarray]],
                detector: LoadedDetector, threshold: float,
                ) -> list[tuple[Window, list[int], np.ndarray]]:
    """`decided` (window, candidate index per column, logits) with the LM's choice of repair in
    the units that have a finding, the most probable first, at most `MAX_UNITS_READ`."""
    best = [detector.finding_calibration(float(detector.scaling(scores)[1:].max()))
            if len(scores) > 2 else 0.0 for _, _, scores in decided]
    shown = sorted((i for i, p in enumerate(best) if p >= threshold), key=lambda i: -best[i])
    if not shown:
        return decided
    from inference.engine import get_engine

    try:
        engine = get_engine()
    except (ImportError, OSError, RuntimeError, ValueError) as exc:
        # The detector's own choice still stands; a review must not fail for want of the LM.
        log.warning("the language model could not be loaded to choose repairs: %s", exc)
        return decided
    out = list(decided)
    for i in shown[:MAX_UNITS_READ]:
        window, columns, scores = decided[i]
        out[i] = (window, columns, lm_reordered(engine, window.text, window.context,
                                                relative_candidates(window), scores, columns))
    return out


def detect_files(files: Iterable[tuple[str, str]],
                 changed_lines: Mapping[str, Collection[int]] | None = None, *,
                 threshold: float | None = None, model_dir: str | Path | None = None,
                 device: str | None = None, batch_size: int = 32,
                 detector: LoadedDetector | None = None,
                 file_checks: bool = True,
                 base_files: Iterable[tuple[str, Collection[int]]] = (),
                 provided: Mapping[str, Collection[str]] | None = None,
                 learned_paths: Callable[[str], bool] | None = None,
                 whole_files: bool = True, lm_repairs: bool = True) -> DetectResult:
    """Like `detect`, also reporting the files that were skipped (syntax errors, ...);
    `file_checks=False` leaves out the whole-file checks' findings (a benchmark's baseline),
    `whole_files=False` keeps only those that stretches of a file support (the texts hold
    only parts of the files, `bugmodel.partial_sources`);
    `learned_paths`, when given, says which files the learned models read (the others get
    the whole-file checks only). With `lm_repairs` (and unless `SQUIGGLE_BUG_REPAIR_LM` is
    off), the language model chooses the repair of each unit with a finding among the
    detector's best candidates (`bugmodel.repair_choice`)."""
    detector = detector or load_detector(model_dir, device)
    from_bases = provided_names(base_files) if file_checks else set()
    max_len = detector.model.config.max_len
    result = DetectResult()
    inputs: list[Window] = []
    samples: list[Encoded] = []
    checked: list[Finding] = []
    for path, text in files:
        changed = None if changed_lines is None else changed_lines.get(path, ())
        if changed is not None and not changed:
            continue
        text = normalise_newlines(text)
        try:
            tree = ast.parse(text)
            file_windows = (windows(path, text, tree, window_budget(max_len), changed)
                            if learned_paths is None or learned_paths(path) else [])
            if file_checks:
                checked.extend(change_check_findings(
                    path, text, tree, changed, from_bases.union((provided or {}).get(path, ())),
                    whole_file=whole_files))
        except (SyntaxError, ValueError) as exc:
            result.skipped.append(SkippedFile(path, f"not valid Python: {exc}"))
            continue
        except RecursionError:
            result.skipped.append(SkippedFile(path, "too deeply nested to analyse"))
            continue
        for window in file_windows:
            sample = encode(detector.vocab, window.text, relative_candidates(window),
                            window.context, None, max_len)
            if sample is not None and len(sample.first):
                inputs.append(window)
                samples.append(sample)
    # A whole-file check is a different kind of evidence from the model's probabilities: what
    # it reports is wrong code whatever the intent, so it is reported unless the caller asks
    # for more certainty than it has.
    result.findings = [f for f in checked if threshold is None or f.probability >= threshold]
    if not samples:
        return result
    default = detector.threshold
    if threshold is None:
        # An operator's choice of recall over quiet, e.g. 0.5; else the threshold fitted on dev.
        threshold = float(os.environ.get(THRESHOLD_ENV) or default)
    with torch.inference_mode():
        logits = predict_logits(detector.model, samples, detector.device, batch_size)
    best: dict[tuple[str, int, int, str], Finding] = {}
    checked_lines = {(f.path, n) for f in result.findings for n in range(f.line, f.end_line + 1)}
    decided: list[tuple[Window, list[int], np.ndarray]] = []
    for window, sample, row in zip(inputs, samples, logits, strict=True):
        first = window.src.position(window.start)[0]
        if any((window.path, n) in checked_lines
               for n in range(first, first + window.text.count("\n"))):
            continue  # the unit's finding is the check's, as in the evaluation
        columns, scores = _decide(detector, window, sample, row)
        decided.append((window, columns, fold_into_no_bug(
            scores, [1 + j for j, i in enumerate(columns) if i in window.implausible])))
    if lm_repairs and lm_chooses_repairs():
        decided = _lm_repairs(decided, detector, threshold)
    for window, columns, scores in decided:
        probs = detector.scaling(scores)
        changed = None if changed_lines is None else changed_lines.get(window.path, ())
        for column in [int(i) for i in probs[1:].argsort()[::-1] + 1]:
            probability = detector.finding_calibration(float(probs[column]))
            if probability < threshold or not probs[column]:
                break  # the rest score lower, or are repairs no developer would make
            candidate = window.candidates[columns[column - 1]]
            if changed is not None and not _touches(candidate, window.src, changed):
                continue
            finding = _finding(window, candidate, probability, float(probs[column]))
            key = (window.path, candidate.start, candidate.end, candidate.replacement)
            if key not in best or best[key].probability < finding.probability:
                best[key] = finding
            break  # one finding per window: the models are trained on one bug per unit
    result.findings = sorted(result.findings + list(best.values()),
                             key=lambda f: (f.path, f.line, f.column))
    return result


def is_project_module(path: str) -> bool:
    """A file the learned models read in a review: a module of the project itself, not its
    tests, scripts, documentation, examples or demos. Their findings elsewhere are unmeasured,
    and in reviews of real histories nearly all were false alarms (loguru's test fixtures;
    typer's `docs_src/` tutorials, 63 of its 68 learned findings)."""
    return is_source_path(path) and not is_example_path(path)


def provided_names(base_files: Iterable[tuple[str, Collection[int]]]) -> set[str]:
    """Names that the kept lines of the changed files' old versions read without binding:
    ((old text, the 1-based lines the change removed from it), ...)."""
    # Such a name is provided at run time (a test framework that installs `assertEqual` into
    # builtins, gettext's `_`): the change did not make it undefined. Reads on lines the change
    # rewrites do not count: there a long-standing typo (`kwgars`) is as much the change's as
    # a new one.
    names: set[str] = set()
    for base, rewritten in base_files:
        names |= unbound_reads(base, rewritten)
    return names


def reads_provided_name(found: FileFinding | Finding, lines: list[str],
                        provided: Collection[str]) -> bool:
    """Whether a check's report is an undefined name in `provided` (`provided_names`);
    `lines`: the file's text split on newlines."""
    return found.kind in NAME_KINDS and span_text(
        lines, found.line, found.column, found.end_line, found.end_column) in provided


def change_check_findings(path: str, text: str, tree: ast.Module,
                          changed: Collection[int] | None, provided: Collection[str] = (),
                          whole_file: bool = True) -> list[Finding]:
    """A finding for each whole-file check's report on a changed line (every line when None),
    leaving out undefined names in `provided` (`provided_names`); reads that one fix mends
    are one finding (`fold_repeated_reads`). `whole_file=False`: `text` holds only stretches
    of the file, and only the checks they support run (`file_checks.file_findings`)."""
    lines = text.split("\n")
    reported = [found for found in reported_file_findings(path, text, tree,
                                                          whole_file=whole_file)
                if (changed is None or any(n in changed
                                           for n in range(found.line, found.end_line + 1)))
                and not reads_provided_name(found, lines, provided)]
    return [Finding(path, found.line, found.end_line, found.column, found.end_column,
                    found.kind, f"{found.message}; {consequence(found.effect)}",
                    found.probability, severity(found.effect, found.probability),
                    found.replacement, found.added_import, found.probability)
            for found in fold_repeated_reads(reported, lines, tree)]


def detect(files: Iterable[tuple[str, str]],
           changed_lines: Mapping[str, Collection[int]] | None = None, *,
           threshold: float | None = None, model_dir: str | Path | None = None,
           device: str | None = None, batch_size: int = 32,
           base_files: Iterable[tuple[str, Collection[int]]] = (),
           provided: Mapping[str, Collection[str]] | None = None,
           learned_paths: Callable[[str], bool] | None = None,
           lm_repairs: bool = True) -> list[Finding]:
    """Findings for (path, source text) pairs, at or above the calibrated `threshold`.

    With `changed_lines` ({path: 1-based line numbers}), only functions touching those lines
    are analysed and only findings on them are returned; files not in the mapping are skipped.
    Files with syntax errors are skipped (see `detect_files` for the reasons). `base_files`:
    the changed files as they were before the change, where known, each with the lines
    (1-based) the change removed from it; a name that their other lines read without binding
    is not reported as undefined, nor one that `provided` ({path: names}) says other code
    binds at run time for that file.
    `learned_paths(path)`, when given, says which files the learned models read; the others
    get the whole-file checks' findings only. `lm_repairs`: see `detect_files`.
    """
    return detect_files(files, changed_lines, threshold=threshold, model_dir=model_dir,
                        device=device, batch_size=batch_size, base_files=base_files,
                        provided=provided, learned_paths=learned_paths,
                        lm_repairs=lm_repairs).findings
