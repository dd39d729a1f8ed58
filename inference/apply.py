"""Apply: merge a lazy edit sketch into a file, deterministically when possible, else with the LM.

Paths, tried in order (the result says which one produced the text):

1. ``deterministic`` — every segment of the sketch is anchored by its own first and last lines
   at exactly one place in the original (`inference.merge.deterministic_merge`).
2. ``fuzzy`` — the anchors are inexact, tried in turn: ``boundary`` reads a segment's edited
   edge lines as rewrites of the original lines beside them or as insertions, places lines
   with no anchor by their statement key (``timeout = 5`` rewrites the line setting
   ``timeout``) or, for lone new imports, by the file's sorted import block
   (`inference.merge.boundary_merge`), for new rows by a sorted run of rows like them
   (`inference.merge_rows`), and for segments with no original line (or only generic ones)
   by lines indented anew or given a comment and by the one clear old version of a new line
   (`inference.line_similarity.counterpart`); ``definitions`` lets a segment that is a whole
   definition replace the definition of its name (`inference.merge_definitions`);
   ``anchored``: when the deterministic merge's pick fails the checks or it has several, the
   one merge anchored by the segments' own first and last lines that is proved, parses and
   reads no name its scope leaves unbound (`inference.merge_names`), if exactly one is;
   ``similarity``/``single-candidate``: one plausible merge explains the sketch clearly best:
   it keeps no moved line twice, deletes no original line without a similar new line of its
   own in its place and leaves no old version of an inserted line standing nearby
   (`inference.merge_plausibility.unexplained_changes`), by a margin of more than one line;
   last, ``readings``: edge lines that may rewrite their neighbour or be new are read both
   ways, and the merge is returned when every reading that is proved, parses and unbinds no
   name its code reads gives the same file (`inference.merge_readings`; of several, one that
   keeps an import whose every use the merge rewrote away does not count).
3. ``model`` — several plausible merges: the language model ranks them by the surprisal of the
   lines where they differ (``method="ranked"``); no plausible merge at all: the model writes
   the merged file itself (``method="generated"``), decoding speculatively from the original so
   the copied stretches cost a fraction of a forward pass per token.

Every result is proved against its inputs before it is returned (`inference.merge_check`):
the sketch's lines are all there in order, everything else is original text in order, the
elided stretches are copied unchanged and nothing beyond a segment's reach changed. For Python
files the result must parse too. A merge that fails either check falls through to the next
candidate and path; when none passes, `ApplyFailed` says what was tried and which sketch line
could not be placed. (Two proved merges can still differ, a segment that fits two places
equally: the paths refuse such ambiguity or leave it to the model's ranking.)
"""

from __future__ import annotations

import ast
import threading
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from inference.merge import (
    anchored_merges,
    boundary_merge,
    candidate_merges,
    deterministic_merge,
    duplicated_lines,
    split_lines,
    whole_definition,
)
from inference.merge_check import check_merge
from inference.merge_definitions import definition_merge
from inference.merge_flow import doubled_imports, unreachable_statements
from inference.merge_names import unbound_names
from inference.merge_plausibility import unexplained_changes
from inference.merge_readings import orphaned_name, reading_merges, stranded_import
from inference.sketch import Sketch, is_marker, parse_sketch

if TYPE_CHECKING:
    from inference.engine import Engine

__all__ = [
    "ApplyEvent",
    "ApplyFailed",
    "ApplyResult",
    "apply_sketch",
    "apply_stream",
    "candidate_surprisals",
    "chat_prompt",
    "generation_prompt",
    "is_python",
    "model_adapter",
    "parses",
    "rank_candidates",
    "stream_generated_merge",
]

Path = Literal["deterministic", "fuzzy", "model"]
#: Lines of agreed text shown before the differing lines when the model ranks merges.
RANK_CONTEXT_LINES = 40
#: Agreed lines after the differing ones that are scored too (a bad merge shows there).
RANK_FOLLOW_LINES = 3
SYSTEM_PROMPT = "You are a careful programmer. You apply edits to files exactly."
#: The model's ranking decides only when the best merge is this many nats (total surprisal of
#: the differing lines) less surprising than the next. Measured on the real-edit dev set
#: (benchmarks/apply_real.py): of 20 cases ranked, the best was right 9 times; below a gap of
#: 25 nats wrong picks were as common as right ones, above it 3 right and none wrong.
RANK_MARGIN = 25.0


class ApplyFailed(ValueError):
    """No path produced an acceptable merge; ``attempts`` says what each one found and
    ``line`` names the sketch line that could not be placed, when one is to blame."""

    def __init__(self, message: str, attempts: list[str], line: str | None = None) -> None:
        super().__init__(message)
        self.attempts = attempts
        self.line = line


@dataclass
class ApplyResult:
    """The merged file and how it was made."""

    text: str
    path: Path
    #: "anchors", "boundary", "definitions", "anchored", "single-candidate", "similarity",
    #: "readings", "ranked" or "generated"
    method: str
    parses: bool | None  #: None when the file is not Python
    attempts: list[str] = field(default_factory=list)  #: what was tried before, and why not
    candidates: int = 0  #: plausible merges the model chose from (ranked)
    generation: dict | None = None  #: decoding statistics when the model wrote the file

    def to_json(self) -> dict:
        """JSON-ready summary (without the text)."""
        return {"path": self.path, "method": self.method, "parses": self.parses,
                "attempts": self.attempts, "candidates": self.candidates,
                "generation": self.generation}


@dataclass(frozen=True)
class ApplyEvent:
    """A step of a streamed Apply: ``delta`` (more text), ``reset`` (discard the text so far),
    ``done`` (with the `ApplyResult`) or ``error`` (with the `ApplyFailed`)."""

    kind: Literal["delta", "reset", "done", "error"]
    text: str = ""
    result: ApplyResult | None = None
    error: ApplyFailed | None = None


def is_python(path: str | None, original: str) -> bool:
    """Whether the Python parse check applies: a ``.py``/``.pyi`` path, or no path and an
    original that parses as Python."""
    if path:
        return path.endswith((".py", ".pyi"))
    return bool(original.strip()) and parses(original)


def parses(text: str) -> bool:
    """Whether ``text`` is valid Python."""
    try:
        ast.parse(text)
    except (SyntaxError, ValueError):
        return False
    return True


def apply_sketch(
    original: str,
    sketch: str,
    *,
    engine: Engine | None = None,
    path: str | None = None,
    decoding: str = "speculative",
    adapter: str | None = None,
) -> ApplyResult:
    """Merge ``sketch`` into ``original`` (see the module docs); raises `ApplyFailed`."""
    for event in apply_stream(original, sketch, engine=engine, path=path, decoding=decoding,
                              adapter=adapter):
        if event.kind == "done":
            assert event.result is not None
            return event.result
        if event.kind == "error":
            assert event.error is not None
            raise event.error
    raise AssertionError("apply_stream ended without a result")


def apply_stream(
    original: str,
    sketch: str,
    *,
    engine: Engine | None = None,
    path: str | None = None,
    decoding: str = "speculative",
    cancel: threading.Event | None = None,
    adapter: str | None = None,
) -> Iterator[ApplyEvent]:
    """`apply_sketch` as a stream of `ApplyEvent`; ``engine=None`` never calls a model.

    Setting ``cancel`` stops a model generation before its next forward pass (the stream then
    just ends): the service sets it when the client disconnects. ``adapter`` chooses the
    weights the model writes with (see `model_adapter`; a bad choice raises
    `inference.engine.InvalidRequest` before any merge is tried).
    """
    from inference.engine import DECODINGS

    if decoding not in DECODINGS:
        raise ValueError(f"decoding must be one of {', '.join(DECODINGS)}, not {decoding!r}")
    if adapter is not None:
        model_adapter(engine, adapter)
    python = is_python(path, original)
    attempts: list[str] = []
    parsed = parse_sketch(sketch)
    blame: list[str] = []  # sketch lines that a refused merge could not place, first first

    def accept(text: str, how: str) -> bool:
        """Whether a merge is proved and (for Python) parses; records why not."""
        proof = check_merge(original, parsed, text)
        if not proof:
            attempts.append(f"{how}: the merge fails the check: {proof.reason}")
            if proof.line is not None:
                blame.append(proof.line)
            return False
        if python and not parses(text):
            attempts.append(f"{how}: the merged file does not parse as Python")
            return False
        if python and _adds_unreachable(original, text):
            attempts.append(f"{how}: the merge leaves statements after a return or raise "
                            "(the old version of a line the sketch rewrote kept?)")
            return False
        doubled = doubled_imports(original, text) if python else []
        if doubled:
            attempts.append(f"{how}: the merge imports {doubled[0]!r} twice (the old import "
                            "kept beside its new version?)")
            return False
        return True

    def refuse() -> ApplyEvent:
        line = blame[0] if blame else None
        message = _summary(attempts)
        if line is not None:
            message = f"could not place the sketch's line {line.strip()!r}: " + "; ".join(attempts)
        return ApplyEvent("error", error=ApplyFailed(message, attempts, line))

    outcome = deterministic_merge(original, parsed)
    if outcome.text is not None and accept(outcome.text, "deterministic"):
        yield from _finish(ApplyResult(outcome.text, "deterministic", "anchors",
                                       python or None, attempts))
        return
    if outcome.text is None:
        attempts.append(f"deterministic: {outcome.reason}")
        if outcome.line is not None:
            blame.append(outcome.line)

    edges = boundary_merge(original, parsed)
    if edges.text is not None and edges.text != outcome.text and accept(edges.text, "boundary"):
        yield from _finish(ApplyResult(edges.text, "fuzzy", "boundary", python or None,
                                       attempts))
        return
    if edges.text is None:
        attempts.append(f"boundary: {edges.reason}")

    shows_definition = any(whole_definition(segment.lines) for segment in parsed.segments)
    whole = definition_merge(original, parsed) if python and shows_definition else None
    if whole is not None and whole.text is not None \
            and whole.text not in (outcome.text, edges.text) and accept(whole.text, "definitions"):
        yield from _finish(ApplyResult(whole.text, "fuzzy", "definitions", python or None,
                                       attempts))
        return
    if whole is not None and whole.text is None:
        attempts.append(f"definitions: {whole.reason}")

    if outcome.text is not None or outcome.reason.endswith("more than one placement"):
        only = _one_anchored(original, parsed, python, outcome.text)
        if only is not None and accept(only, "anchored"):
            yield from _finish(ApplyResult(only, "fuzzy", "anchored", python or None,
                                           attempts))
            return

    candidates = [c for c in candidate_merges(original, parsed)
                  if c not in (outcome.text, edges.text)]
    proved = [c for c in candidates if check_merge(original, parsed, c)]
    if candidates and not proved:
        attempts.append(f"fuzzy: none of {len(candidates)} plausible merges passes the check")
    good = [c for c in proved if not python or _runs(original, c)]
    if proved and not good:
        attempts.append(f"fuzzy: none of {len(proved)} proved merges parses as Python "
                        "without statements that never run")
    lines = split_lines(original)
    # Drop merges that keep a moved line twice, then those that change clearly more than the
    # sketch accounts for; near ties are left to the model.
    good = [c for c in good if not duplicated_lines(lines, split_lines(c), long_lines=True)]
    if python and len(good) > 1:
        good = _binding_all(original, good)
    if len(good) > 1:
        costs = [unexplained_changes(original, c) for c in good]
        good = [c for c, cost in zip(good, costs, strict=True) if cost <= min(costs) + 1]
    # A guessed placement is returned without the model only when it explains every change
    # (on the real-edit dev set the others were wrong about one time in three).
    if len(good) == 1 and unexplained_changes(original, good[0]) == 0:
        method = "single-candidate" if len(candidates) == 1 else "similarity"
        yield from _finish(ApplyResult(good[0], "fuzzy", method, python or None, attempts,
                                       candidates=len(candidates)))
        return
    read = _one_reading(original, parsed, python) if edges.text is None else None
    if read is not None and accept(read, "readings"):
        yield from _finish(ApplyResult(read, "fuzzy", "readings", python or None, attempts))
        return
    if len(good) == 1:  # not returned, and not "ranked" alone: the model writes the file
        attempts.append("fuzzy: the one plausible merge changes lines the sketch does not "
                        "account for")
        good = []
    if engine is None:
        why = f"{len(good)} plausible merges" if good else "no plausible merge"
        attempts.append(f"model: not available to choose ({why})")
        yield refuse()
        return
    if good:
        from inference.engine import InvalidRequest

        try:
            totals = candidate_surprisals(engine, good, sketch, path)
        except InvalidRequest as error:  # e.g. the sketch does not fit the model's context
            attempts.append(f"model: could not rank {len(good)} plausible merges: {error}")
            yield refuse()
            return
        ranked = sorted(range(len(good)), key=lambda i: (totals[i], i))
        gap = totals[ranked[1]] - totals[ranked[0]]
        if gap < RANK_MARGIN:
            attempts.append(f"model: cannot tell {len(good)} plausible merges apart (the best "
                            f"is {gap:.1f} nats less surprising than the next, under "
                            f"{RANK_MARGIN:g})")
            yield refuse()
            return
        yield from _finish(ApplyResult(good[ranked[0]], "model", "ranked", python or None,
                                       attempts, candidates=len(good)))
        return

    merge = stream_generated_merge(engine, original, sketch, path=path, decoding=decoding,
                                   cancel=cancel, adapter=adapter)
    while True:
        try:
            piece = next(merge)
        except StopIteration as finished:
            text, why, stats = finished.value
            break
        yield ApplyEvent("delta", piece)
    if text is not None and accept(text, "model"):
        yield from _finish(ApplyResult(text, "model", "generated", python or None, attempts,
                                       generation=stats), streamed=True)
        return
    if text is None and why:
        attempts.append(f"model: {why}")
    yield ApplyEvent("reset")
    yield refuse()


def _one_anchored(original: str, parsed: Sketch, python: bool, rejected: str | None
                  ) -> str | None:
    """When the deterministic merge's pick failed (does not parse, fails the check) or it
    had several: the one merge anchored by the segments' own first and last lines
    (`anchored_merges`, every placement, unranked) that is proved, keeps no moved line twice,
    (for Python) parses and reads no name its scope leaves unbound, if exactly one is and
    its placement raises none of the deterministic merge's doubts. (A doubtful merge that
    passes those checks is still a reading of the sketch: it makes the choice ambiguous.)
    Not for a sketch with a segment of original lines alone: it may mean a rewrite of a
    line like it elsewhere, a reading no anchored merge has."""
    lines = split_lines(original)
    known = set(lines)
    if any(all(line in known for line in segment.lines) for segment in parsed.segments):
        return None  # a segment of original lines alone may rewrite a copy elsewhere
    merges = dict(anchored_merges(original, parsed))
    found = [text for text in merges if text != rejected
             and check_merge(original, parsed, text) and (not python or _runs(original, text))
             and not duplicated_lines(lines, split_lines(text))]
    if python and len(found) > 1:
        found = _binding_all(original, found)
    return found[0] if len(found) == 1 and merges[found[0]] else None


def _binding_all(original: str, merges: list[str]) -> list[str]:
    """The merges that read no name their scope leaves unbound beyond those the original
    reads so (`unbound_names`): a line placed in a copy of repeated code whose function does
    not bind a name it reads (``exc``) is in the wrong copy."""
    before = unbound_names(original)
    if before is None:
        return merges
    kept = []
    for text in merges:
        after = unbound_names(text)
        if after is None or after <= before:
            kept.append(text)
    return kept


def _runs(original: str, merged: str) -> bool:
    """Whether a Python merge parses, adds no statement that can never run and imports no
    name twice that the original imported once (`doubled_imports`)."""
    return parses(merged) and not _adds_unreachable(original, merged) \
        and not doubled_imports(original, merged)


def _adds_unreachable(original: str, merged: str) -> bool:
    """Whether the merge has more statements that can never run than the original
    (`unreachable_statements`)."""
    before, after = unreachable_statements(original), unreachable_statements(merged)
    return before is not None and after is not None and after > before


def _one_reading(original: str, parsed: Sketch, python: bool) -> str | None:
    """The one merge that every reading of the unsure edge lines that is proved and (for
    Python) parses and keeps a binding of every name its code reads agrees on
    (`inference.merge_readings`), if there is one; of several, the readings that keep an
    import whose every use the merge rewrote away (`stranded_import`) do not count."""
    found = {text for text in reading_merges(original, parsed)
             if check_merge(original, parsed, text) and (not python or (
                 _runs(original, text) and orphaned_name(original, text) is None))}
    if python and len(found) > 1:  # a reading that keeps an import it left unused is not it
        found = {text for text in found if stranded_import(original, text) is None}
    if python and len(found) > 1:
        found = set(_binding_all(original, sorted(found)))
    return found.pop() if len(found) == 1 else None


def stream_generated_merge(
    engine: Engine,
    original: str,
    sketch: str,
    *,
    path: str | None = None,
    decoding: str = "speculative",
    cancel: threading.Event | None = None,
    adapter: str | None = None,
) -> Generator[str, None, tuple[str | None, str, dict | None]]:
    """The model writes the merged file: yields text pieces, returns ``(text, why, stats)``.

    ``text`` is None when the model failed: its prompt does not fit, it copied an elision
    marker of the sketch instead of the code it stands for (the small model's typical failure;
    caught at the first such line, so it costs little), its file lacks a line of the sketch
    (e.g. it copied the original unchanged), or it was cancelled. ``adapter`` is the request's
    choice (see `model_adapter`).
    """
    from inference.engine import InvalidRequest

    prompt = generation_prompt(engine, original, sketch, path)
    max_new = engine.count_tokens(original) + engine.count_tokens(sketch) + 64
    try:
        adapter = model_adapter(engine, adapter)
        # The answer mostly repeats the original: it is the draft for speculative decoding.
        generation = engine.generate(prompt, max_new_tokens=max_new, decoding=decoding,
                                     draft=original, stop=["```"], adapter=adapter)
    except InvalidRequest as error:
        return None, str(error), None
    known = {line.strip() for line in original.splitlines()}
    pieces: list[str] = []
    checked = 0
    try:
        for piece in generation:
            if cancel is not None and cancel.is_set():
                return None, "cancelled", None
            pieces.append(piece)
            yield piece
            if "\n" in piece:
                text = "".join(pieces)
                done = text.rfind("\n") + 1
                for line in text[checked:done].splitlines():
                    if is_marker(line) and line.strip() not in known:
                        return None, f"the model copied the elision marker {line.strip()!r}", \
                            _generation_stats(generation.result, decoding, adapter)
                checked = done
    finally:
        generation.close()
    stats = _generation_stats(generation.result, decoding, adapter)
    text = _like_original("".join(pieces), original)
    missing = _first_missing_sketch_line(text, sketch)
    if missing is not None:
        return None, f"the model's file leaves out the sketch's line {missing!r}", stats
    return text, "", stats


def model_adapter(engine: Engine | None, requested: str | None) -> str | None:
    """The adapter Apply's model writes with for a request (None: the base model): by default
    Apply's fine-tune when the engine has it loaded, since it copies the unchanged code far
    more faithfully than the base model; ``"none"`` the base model; ``"apply"`` the fine-tune,
    which must be loaded (else, as for any other name, `inference.engine.InvalidRequest`)."""
    from inference.engine import APPLY_ADAPTER, request_adapter

    return request_adapter(engine, requested, task_adapter=APPLY_ADAPTER, default=APPLY_ADAPTER)


def _first_missing_sketch_line(merged: str, sketch: str) -> str | None:
    """The first code line of the sketch that the merge does not contain in order, if any."""
    lines = iter(line.strip() for line in merged.splitlines())
    for segment in parse_sketch(sketch).segments:
        for wanted in (line.strip() for line in segment.lines):
            if wanted and not any(line == wanted for line in lines):
                return wanted
    return None


def _finish(result: ApplyResult, streamed: bool = False) -> Iterator[ApplyEvent]:
    if not streamed:
        yield ApplyEvent("delta", result.text)
    yield ApplyEvent("done", result=result)


def _summary(attempts: list[str]) -> str:
    return "could not apply the sketch: " + "; ".join(attempts)


def _like_original(text: str, original: str) -> str:
    """Give the generated file the original's final newline."""
    text = text.rstrip("\n")
    return text + "\n" if original.endswith("\n") or not original else text


def _generation_stats(result, decoding: str, adapter: str | None) -> dict | None:
    if result is None:
        return None
    timings = result.timings
    return {"decoding": decoding, "adapter": adapter, "tokens": len(result.token_ids),
            "finish_reason": result.finish_reason,
            "time_to_first_token_s": round(timings.time_to_first_token_s, 4),
            "total_s": round(timings.total_s, 4), "forward_passes": timings.forward_passes,
            "acceptance_rate": timings.acceptance_rate}


def _fence(path: str | None) -> str:
    suffix = path.rsplit(".", 1)[-1] if path and "." in path else ""
    return {"py": "python", "pyi": "python", "js": "javascript", "ts": "typescript"}.get(
        suffix, suffix)


def chat_prompt(engine: Engine, user: str, answer_start: str,
                system: str | None = SYSTEM_PROMPT) -> str:
    """A chat prompt (the model's own template when it has one) ending inside the answer."""
    messages = [{"role": "system", "content": system}] if system else []
    messages.append({"role": "user", "content": user})
    tokenizer = engine.tokenizer
    if getattr(tokenizer, "chat_template", None):
        head = tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
    else:
        head = "".join(f"{m['content']}\n\n" for m in messages)
    return head + answer_start


def generation_prompt(engine: Engine, original: str, sketch: str, path: str | None) -> str:
    """The prompt for the model writing the merged file.

    The wording is the one the 135M model answers by copying most (measured on the rewrites
    of ``benchmarks/inference_decoding.py``): a short instruction, the code, the edit, the
    answer opened with a code fence. The earlier wording (a system prompt, longer
    instructions, the original's unchanged head written into the answer) and a one-shot
    example made it copy less: it stopped early or wrote new functions.
    """
    lang = _fence(path)
    user = (f"Merge the edit into the code.\nCode:\n```{lang}\n{original}```\n"
            f"Edit:\n```{lang}\n{sketch}```\nWrite the complete merged code.")
    return chat_prompt(engine, user, f"```{lang}\n", system=None)


def rank_candidates(engine: Engine, candidates: list[str], sketch: str, path: str | None) -> str:
    """The candidate whose differing lines the model finds least surprising after the sketch."""
    totals = candidate_surprisals(engine, candidates, sketch, path)
    return candidates[min(range(len(candidates)), key=lambda i: (totals[i], i))]


def candidate_surprisals(engine: Engine, candidates: list[str], sketch: str,
                         path: str | None) -> list[float]:
    """Each candidate's total surprisal (nats) of the lines where the candidates differ (and a
    few agreed lines after them), written by the model after the sketch and the agreed head."""
    from inference.span_scoring import ScoreRequest

    split = [c.splitlines(keepends=True) for c in candidates]
    head = 0
    while all(len(s) > head for s in split) and len({s[head] for s in split}) == 1:
        head += 1
    tail = 0
    while all(len(s) - tail > head for s in split) and len({s[-1 - tail] for s in split}) == 1:
        tail += 1
    lang = _fence(path)
    user = (f"Here is an edit to a file. Comments such as `... existing code ...` stand for "
            f"unchanged lines:\n```{lang}\n{sketch}```\n\nWrite the complete file with the edit "
            "applied.")
    shown = "".join(split[0][max(head - RANK_CONTEXT_LINES, 0):head])
    context = chat_prompt(engine, user, f"```{lang}\n{shown}")
    requests = []
    for lines in split:
        end = len(lines) - tail + min(RANK_FOLLOW_LINES, tail)
        requests.append(ScoreRequest(context=context, span="".join(lines[head:end])))
    return [score.total for score in engine.score(requests)]
