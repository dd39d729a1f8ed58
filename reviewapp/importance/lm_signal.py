"""Information content of a hunk: the language model's surprisal of its added tokens in context.

For every change group of a hunk (a run of removed and/or added lines) one span is scored: the
added lines, written as diff lines (`+…`), after a prompt that holds, by priority within a
token budget, the removed lines they replace, the hunk's earlier lines, the file above it and
the other hunks of the diff (an edit already seen elsewhere in the diff is predictable). A
group that only deletes is scored on its removed lines. The hunk's signal is the mean
surprisal per token over all its scored tokens (nats/token), so long and short hunks compare.

The engine is anything with ``score(list[ScoreRequest]) -> list[SpanScore]`` (the inference
engine satisfies it) and ``count_tokens(text) -> int``.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from reviewapp.importance.views import HunkView

SPAN_PRIORITY = 1000.0
HEADER_PRIORITY = 900.0
HUNK_PRIORITY = 800.0
FILE_PRIORITY = 400.0
OTHER_HUNK_PRIORITY = 200.0
OTHER_HUNK_LINES = 12  # changed lines shown per other hunk
OTHER_HUNKS = 24  # other hunks offered to the prompt (the budget decides how many fit)


class SpanScorer(Protocol):
    """What the LM signal needs from the inference engine."""

    def score(self, requests: Sequence[Any]) -> list[Any]: ...

    def count_tokens(self, text: str) -> int: ...


@dataclass
class PromptPart:
    """Lines of prompt text at a position; higher priority survives a tight budget."""

    position: float
    priority: float
    text: str  # one or more whole lines, each ending in "\n"


def fit_parts(parts: list[PromptPart], budget: int, count: Callable[[str], int]) -> str:
    """Keep the highest-priority parts that fit `budget` tokens, rendered in position order.

    Parts are never cut, so no line is split; a part that does not fit is skipped and lower
    ones may still fill the remaining room.
    """
    kept: list[PromptPart] = []
    used = 0
    for part in sorted(parts, key=lambda p: (-p.priority, p.position)):
        if used >= budget:
            break
        cost = count(part.text)
        if used + cost <= budget:
            kept.append(part)
            used += cost
    return "".join(p.text for p in sorted(kept, key=lambda p: p.position))


def _score_request(context: str, span: str) -> Any:
    try:
        from inference.span_scoring import ScoreRequest
    except ImportError:  # the engine's module is optional for fakes used in tests
        return _LocalRequest(context, span)
    return ScoreRequest(context=context, span=span)


@dataclass
class _LocalRequest:
    context: str
    span: str


def token_surprisals(result: Any) -> list[float]:
    """Per-token surprisal (nats) of one engine result."""
    for name in ("surprisals", "surprisal"):
        value = getattr(result, name, None)
        if value is not None:
            return [float(x) for x in value]
    if isinstance(result, (list, tuple)):
        return [float(x) for x in result]
    raise TypeError(f"unexpected score result {type(result).__name__}")


def novel_mask(span: str, removed: list[str], pieces: list[str] | None) -> list[bool]:
    """Which scored tokens are new: not copied from the removed line the added line replaces.

    Each added line is compared with its most similar removed line of the same change; tokens
    inside its inserted or replaced characters are new, the rest (copied text) are not. A bug
    that flips `<` to `<=` has one new token, whatever the length of the line.
    """
    if pieces is None:
        return []
    new_chars = [True] * len(span)
    offset = 0
    for line in span.splitlines(keepends=True):
        text = line[1:].rstrip("\n")
        best, ratio = None, 0.5
        for old in removed:
            r = difflib.SequenceMatcher(None, old, text, autojunk=False).ratio()
            if r > ratio:
                best, ratio = old, r
        if best is not None:
            new_chars[offset] = False  # the "+" marker
            if line.endswith("\n"):
                new_chars[offset + len(line) - 1] = False
            matcher = difflib.SequenceMatcher(None, best, text, autojunk=False)
            for tag, _, _, j1, j2 in matcher.get_opcodes():
                if tag == "equal":
                    for k in range(j1, j2):
                        new_chars[offset + 1 + k] = False
        offset += len(line)
    mask, pos = [], 0
    for piece in pieces:
        end = min(pos + len(piece), len(span))
        mask.append(any(new_chars[pos:end]) if end > pos else False)
        pos = end
    return mask


def _groups(view: HunkView) -> list[tuple[int, int, int]]:
    """(start, end_of_removed, end) line indexes of each change run of the hunk."""
    lines = view.hunk.lines
    out = []
    i = 0
    while i < len(lines):
        if lines[i].kind == " ":
            i += 1
            continue
        start = i
        while i < len(lines) and lines[i].kind == "-":
            i += 1
        mid = i
        while i < len(lines) and lines[i].kind == "+":
            i += 1
        if i == start:  # a lone "+" run after a " " line without "-" lines
            i += 1
        out.append((start, mid, i))
    return out


def _other_hunks_parts(view: HunkView, all_views: list[HunkView]) -> list[PromptPart]:
    """The rest of the diff as compact diffs, nearest (same file first) with higher priority."""
    others = [v for v in all_views if v is not view and v.has_change]
    others.sort(key=lambda v: (v.file_index != view.file_index,
                               abs(v.file_index - view.file_index),
                               abs(v.hunk_index - view.hunk_index)))
    parts = []
    for rank, other in enumerate(others[:OTHER_HUNKS]):
        changed = [ln for ln in other.hunk.lines if ln.kind != " "][:OTHER_HUNK_LINES]
        body = "".join(f"{ln.kind}{ln.text}\n" for ln in changed)
        # The nearest other hunks rank just below the few file lines closest to the change: an
        # edit already made elsewhere in the diff is the best predictor of this one.
        priority = FILE_PRIORITY - 6 - 4 * rank if rank < 3 else OTHER_HUNK_PRIORITY - rank
        parts.append(PromptPart(rank, priority, f"@@ {other.path}\n{body}"))
    return parts


def build_requests(
    view: HunkView, all_views: list[HunkView], count: Callable[[str], int],
    context_tokens: int, span_tokens: int,
) -> list[tuple[str, str, list[str]]]:
    """(context, span, removed lines the span replaces) for the change groups of one hunk."""
    lines = view.hunk.lines
    requests = []
    counts: dict[str, int] = {}

    def count_once(text: str) -> int:  # the hunk's change groups share most parts
        if text not in counts:
            counts[text] = count(text)
        return counts[text]

    prefix_parts = _other_hunks_parts(view, all_views)
    base = len(prefix_parts) + 10
    header = PromptPart(base, HEADER_PRIORITY, f"--- a/{view.file.old_path}\n+++ b/{view.path}\n")
    file_parts = []
    content = view.file.new_content
    first_new = next((ln.new_lineno for ln in lines if ln.new_lineno), None)
    if content is not None and first_new:
        # Every line costs at least one token, so lines further up than the budget never fit.
        above = content.split("\n")[max(first_new - 1 - context_tokens, 0): first_new - 1]
        for dist, text in enumerate(reversed(above)):
            file_parts.append(PromptPart(base + 1 + len(above) - dist, FILE_PRIORITY - dist,
                                         f" {text}\n"))
    body_base = base + 2 + len(file_parts)
    for start, mid, end in _groups(view):
        scored = lines[mid:end] if end > mid else lines[start:mid]
        span, used = "", 0
        for ln in scored:
            piece = f"{ln.kind}{ln.text}\n"
            used += count(piece)
            if span and used > span_tokens:
                break
            span += piece
        hunk_parts = []
        stop = mid if end > mid else start
        for k in range(stop):
            hunk_parts.append(PromptPart(body_base + k, HUNK_PRIORITY - (stop - k),
                                         f"{lines[k].kind}{lines[k].text}\n"))
        budget = max(context_tokens - count(span), 0)
        context = fit_parts(prefix_parts + [header] + file_parts + hunk_parts, budget,
                            count_once)
        replaced = [ln.text for ln in lines[start:mid]] if end > mid else []
        requests.append((context, span, replaced))
    return requests


@dataclass
class HunkSignal:
    """The LM's view of a hunk: surprisal statistics over its scored tokens (nats/token)."""

    mean: float  # over all scored tokens
    peak: float  # over the highest-surprisal quarter of tokens (at least 4)
    novel: float  # over the new tokens only (not copied from the replaced line); else `mean`
    tokens: int
    novel_tokens: int


def _signal(values: list[float], novel: list[bool]) -> HunkSignal | None:
    pairs = [(v, n) for v, n in zip(values, novel, strict=False) if math.isfinite(v)]
    values = [v for v in values if math.isfinite(v)]
    if not values:
        return None
    top = sorted(values, reverse=True)[: max(4, len(values) // 4)]
    fresh = [v for v, n in pairs if n]
    mean = sum(values) / len(values)
    return HunkSignal(mean, sum(top) / len(top), sum(fresh) / len(fresh) if fresh else mean,
                      len(values), len(fresh))


MIN_CONTEXT_TOKENS = 48


def lm_signals(
    views: list[HunkView], wanted: list[bool], engine: SpanScorer, context_tokens: int,
    span_tokens: int, total_tokens: int | None = None, batch_size: int = 16,
    on_progress: Callable[[int, int], None] | None = None,
) -> list[HunkSignal | None]:
    """A signal for every view with `wanted` set (None elsewhere), scored in batches.

    With `total_tokens`, per-change budgets shrink so that the whole diff fits it (never below
    MIN_CONTEXT_TOKENS): a big diff gets shorter prompts rather than a longer wait.
    """
    chosen = [h for h, view in enumerate(views) if wanted[h] and view.has_change]
    if total_tokens:
        changes = sum(len(_groups(views[h])) for h in chosen)
        share = total_tokens // max(changes, 1)
        context_tokens = max(MIN_CONTEXT_TOKENS, min(context_tokens, share))
        span_tokens = min(span_tokens, max(MIN_CONTEXT_TOKENS // 2, share // 2))
    jobs: list[tuple[int, str, str, list[str]]] = []
    for h in chosen:
        for context, span, replaced in build_requests(views[h], views, engine.count_tokens,
                                                      context_tokens, span_tokens):
            jobs.append((h, context, span, replaced))
    # Similar lengths per batch waste less padding.
    jobs.sort(key=lambda j: len(j[1]) + len(j[2]))
    values: dict[int, list[float]] = {}
    novel: dict[int, list[bool]] = {}
    for b in range(0, len(jobs), batch_size):
        batch = jobs[b: b + batch_size]
        results = engine.score([_score_request(c, s) for _, c, s, _ in batch])
        for (h, _, span, replaced), result in zip(batch, results, strict=True):
            surprisals = token_surprisals(result)
            mask = novel_mask(span, replaced, getattr(result, "tokens", None))
            values.setdefault(h, []).extend(surprisals)
            novel.setdefault(h, []).extend(mask if len(mask) == len(surprisals)
                                           else [True] * len(surprisals))
        if on_progress is not None:
            on_progress(min(b + batch_size, len(jobs)), len(jobs))
    return [_signal(values[h], novel[h]) if h in values else None for h in range(len(views))]
