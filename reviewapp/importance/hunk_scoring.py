"""Entry points: score a diff's hunks mechanically (instant), then refine with the LM (later).

    scores = score_hunks_mechanical(diff)            # list per file of HunkScore per hunk
    scores = refine_with_lm(diff, scores, engine)    # same shape; detected hunks not re-scored
    scores = promote_flagged(diff, scores, {"a.py": {12}})   # after bug detection
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import replace

from reviewapp.importance.behaviour import behaviour_change, choose_key
from reviewapp.importance.combine import DEFAULT_SETTINGS, ImportanceSettings, combine, promote
from reviewapp.importance.describe import describe
from reviewapp.importance.detectors import run_detectors
from reviewapp.importance.lm_signal import SpanScorer, lm_signals
from reviewapp.importance.score import KEY, NORMAL, HunkScore
from reviewapp.importance.views import HunkView, build_views
from reviewapp.ingest.parsed import ParsedDiff

Flagged = Mapping[str, Collection[int]]  # path -> new-side line numbers that have findings


def _has_finding(view: HunkView, flagged: Flagged | None) -> bool:
    if not flagged or view.path not in flagged:
        return False
    lines = flagged[view.path]
    hunk = view.hunk
    span = range(hunk.new_start, hunk.new_start + max(hunk.new_lines, 1))
    return any(n in span for n in lines)


def _check(diff: ParsedDiff) -> None:
    if not isinstance(diff, ParsedDiff):
        raise TypeError(f"expected a ParsedDiff, got {type(diff).__name__}")


def _score(
    diff: ParsedDiff, signals: list | None, gitattributes: str | None, flagged: Flagged | None,
    settings: ImportanceSettings, views: list[list[HunkView]] | None = None,
) -> list[list[HunkScore]]:
    views = views if views is not None else build_views(diff)
    detections = run_detectors(diff, gitattributes, views)
    out = []
    candidates = []
    h = 0
    for file_views, file_detections in zip(views, detections, strict=True):
        row = []
        for view, found in zip(file_views, file_detections, strict=True):
            signal = signals[h] if signals is not None else None
            score = combine(found, describe(view), signal, _has_finding(view, flagged), settings)
            if score.tier == NORMAL and not found and (change := behaviour_change(view)):
                candidates.append(((view.file_index, view.hunk_index), change,
                                   len(view.added_lines) + len(view.removed_lines)))
            row.append(score)
            h += 1
        out.append(row)
    changes = {position: change for position, change, _ in candidates}
    for fi, hi in choose_key(candidates, h, settings.key_share):
        score = out[fi][hi]
        out[fi][hi] = HunkScore(max(score.importance, settings.key_from), KEY,
                                changes[(fi, hi)].reason, score.detector or "behaviour",
                                dict(score.details, behaviour=changes[(fi, hi)].strength))
    return out


def score_hunks_mechanical(
    diff: ParsedDiff, *, gitattributes: str | None = None, flagged: Flagged | None = None,
    settings: ImportanceSettings = DEFAULT_SETTINGS,
) -> list[list[HunkScore]]:
    """Scores from the mechanical detectors alone: milliseconds, no model.

    `gitattributes` is the repository's root `.gitattributes` text (default: the one in the
    diff, if any); `flagged` marks new-side lines with findings (those hunks are never gray).
    """
    _check(diff)
    return _score(diff, None, gitattributes, flagged, settings)


def refine_with_lm(
    diff: ParsedDiff, scores: list[list[HunkScore]], engine: SpanScorer, *,
    gitattributes: str | None = None, flagged: Flagged | None = None,
    settings: ImportanceSettings = DEFAULT_SETTINGS,
    on_progress: Callable[[int, int], None] | None = None,
) -> list[list[HunkScore]]:
    """Scores with the LM's surprisal of the hunks no detector said anything about (only those
    are sent to the model: a detection decides the others).

    `scores` is what `score_hunks_mechanical` returned for the same diff (its shape is checked).
    `on_progress(done, total)` is called after each batch of model requests.
    """
    _check(diff)
    if [len(f.hunks) for f in diff.files] != [len(row) for row in scores]:
        raise ValueError("scores do not match the diff's files and hunks")
    wanted = [not s.details.get("detections") for row in scores for s in row]
    views = build_views(diff)
    signals = lm_signals([v for row in views for v in row], wanted, engine,
                         settings.lm_context_tokens, settings.lm_span_tokens,
                         settings.lm_total_tokens, on_progress=on_progress)
    return _score(diff, signals, gitattributes, flagged, settings, views)


def score_with_signals(
    diff: ParsedDiff, signals: list, *, settings: ImportanceSettings = DEFAULT_SETTINGS,
) -> list[list[HunkScore]]:
    """Scores from LM signals computed earlier (one per hunk, in diff order; None: unscored)."""
    _check(diff)
    return _score(diff, signals, None, None, settings)


def promote_flagged(
    diff: ParsedDiff, scores: list[list[HunkScore]], flagged: Flagged,
    settings: ImportanceSettings = DEFAULT_SETTINGS,
) -> list[list[HunkScore]]:
    """Scores with every hunk that holds a finding made `key` (findings arrive after scoring)."""
    _check(diff)
    out = []
    for pfile, row in zip(diff.files, scores, strict=True):
        new_row = []
        for hi, score in enumerate(row):
            view = HunkView(0, hi, pfile, pfile.hunks[hi], None, [], [])
            new_row.append(promote(score, settings) if _has_finding(view, flagged)
                           else replace(score))
        out.append(new_row)
    return out
