"""Hunk importance on the labelled evaluation set: combined vs mechanical-only vs LM-only.

    python benchmarks/importance.py [--lm-cache var/importance_lm.json] [--threads 1]

One run builds the set (benchmarks/importance_data.py), scores every hunk mechanically and with
the language model, fits the LM model (a logistic regression of the LM statistics,
benchmarks/importance_fit.py) and tunes the thresholds on the dev half, and reports on the test
half, with the mechanical-only and LM-only baselines (the latter with its own model fitted on
every dev hunk) scored on the same hunks: AUROC of
`importance` (meaningful vs mechanical), precision and recall of the gray tier, per detector and
per transformation, and speed (hunks/s, seconds for a 1,000-changed-line diff). Writes
benchmarks/results/importance.json.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from collections import Counter, defaultdict
from dataclasses import asdict, fields, replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from importance_data import DOCS, MEANINGFUL, MECHANICAL, Case, build_cases  # noqa: E402
from importance_fit import select_and_fit  # noqa: E402

from reviewapp.importance import (  # noqa: E402
    DEFAULT_SETTINGS,
    GRAY,
    Detection,
    HunkScore,
    ImportanceSettings,
    refine_with_lm,
    score_hunks_mechanical,
)
from reviewapp.importance.combine import LM_FEATURES, combine, lm_importance  # noqa: E402
from reviewapp.importance.detectors import run_detectors  # noqa: E402
from reviewapp.importance.lm_signal import HunkSignal, lm_signals  # noqa: E402
from reviewapp.importance.views import build_views  # noqa: E402
from reviewapp.ingest.parsed import ParsedDiff  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results" / "importance.json"
GRAY_PRECISION_GOAL = 0.97
TUNE_PRECISION = 0.99  # stricter on dev, so the test half keeps >= GRAY_PRECISION_GOAL


def auroc(scores: list[float], positive: list[bool]) -> float:
    """Probability that a random positive outranks a random negative (ties count half)."""
    pos = [s for s, p in zip(scores, positive, strict=True) if p]
    neg = [s for s, p in zip(scores, positive, strict=True) if not p]
    if not pos or not neg:
        return float("nan")
    ranked = sorted((s, i) for i, s in enumerate(pos + neg))
    ranks = [0.0] * len(ranked)
    i = 0
    while i < len(ranked):
        j = i
        while j + 1 < len(ranked) and ranked[j + 1][0] == ranked[i][0]:
            j += 1
        for k in range(i, j + 1):
            ranks[ranked[k][1]] = (i + j) / 2 + 1
        i = j + 1
    rank_sum = sum(ranks[: len(pos)])
    return (rank_sum - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg))


def gray_stats(gray: list[bool], labels: list[str]) -> dict:
    grayed = [lab for g, lab in zip(gray, labels, strict=True) if g]
    right = sum(1 for lab in grayed if lab == MECHANICAL)
    mechanical = sum(1 for lab in labels if lab == MECHANICAL)
    return {
        "grayed": len(grayed),
        "precision": right / len(grayed) if grayed else float("nan"),
        "recall": right / mechanical if mechanical else float("nan"),
        "docs_grayed": sum(1 for lab in grayed if lab == DOCS),
    }


class Row:
    """One hunk of the set with everything measured about it."""

    def __init__(self, case: Case, label: str, mech: HunkScore, detections: list[Detection]):
        self.kind = case.kind.split(":")[0]
        self.split = case.split
        self.source = case.source
        self.label = label
        self.mech = mech
        self.detections = detections
        self.signal: HunkSignal | None = None


SIGNAL_FIELDS = {f.name for f in fields(HunkSignal)}


def lm_for_cases(cases: list[Case], engine, settings: ImportanceSettings, cache: Path | None):
    """LM signal of every hunk of every case (cached on disk by case index when asked).

    Returns the signals and how many cases were scored now (not taken from the cache).
    """
    stored = json.loads(cache.read_text()) if cache and cache.exists() else {}
    out = []
    fresh = 0
    t0 = time.perf_counter()
    for n, case in enumerate(cases):
        key = f"{n}:{case.kind}:{case.source}"
        if key not in stored or any(s is not None and set(s) != SIGNAL_FIELDS
                                    for s in stored[key]):  # from an older HunkSignal
            fresh += 1
            views = [v for row in build_views(case.diff) for v in row]
            signals = lm_signals(views, [True] * len(views), engine, settings.lm_context_tokens,
                                 settings.lm_span_tokens, settings.lm_total_tokens)
            stored[key] = [asdict(s) if s else None for s in signals]
            if cache and n % 20 == 0:
                cache.parent.mkdir(parents=True, exist_ok=True)
                cache.write_text(json.dumps(stored))
                print(f"  LM {n}/{len(cases)} cases, {time.perf_counter() - t0:.0f}s", flush=True)
        out.append([HunkSignal(**s) if s else None for s in stored[key]])
    if cache:
        cache.write_text(json.dumps(stored))
    return out, fresh


def fit_lm(rows: list[Row], base: ImportanceSettings) -> tuple[ImportanceSettings, dict]:
    """`base` with the LM model fitted on the labelled rows (features chosen by CV on them)."""
    labelled = [r for r in rows if r.label in (MECHANICAL, MEANINGFUL) and r.signal is not None]
    table = {name: [getattr(r.signal, name) for r in labelled] for name in LM_FEATURES}
    chosen, bias, weights, tried = select_and_fit(
        table, [r.label == MEANINGFUL for r in labelled], [r.source for r in labelled], auroc)
    fitted = replace(base, lm_bias=round(bias, 4),
                     **{f"lm_{name}": round(weights.get(name, 0.0), 4) for name in LM_FEATURES})
    return fitted, {"features": list(chosen), "cv_auroc": tried, "hunks": len(labelled)}


def tune(rows: list[Row]) -> tuple[ImportanceSettings, dict]:
    """Settings from dev rows: the LM model, the LM-only gray threshold, the key threshold.

    The LM model is fitted on the hunks no detector said anything about: those are the hunks
    whose importance it decides (a hint caps or fixes the others').
    """
    free = [r for r in rows if r.signal is not None and not r.detections]
    settings, fit = fit_lm(free, DEFAULT_SETTINGS)
    # LM-only graying of those hunks: the highest threshold with dev precision
    # >= TUNE_PRECISION among them (0 = never).
    best = gray_threshold([(lm_importance(r.signal, settings), r.label) for r in free])
    settings = replace(settings, gray_below=round(best, 6))
    meaningful = sorted(imp for imp, _ in combined_scores(
        [r for r in rows if r.label == MEANINGFUL], settings))
    if meaningful:
        settings = replace(settings, key_from=round(meaningful[len(meaningful) // 2], 4))
    return settings, fit


def combined_scores(rows: list[Row], settings: ImportanceSettings) -> list[tuple[float, bool]]:
    """(importance, gray) of each row as `refine_with_lm` would give it, from cached signals."""
    out = []
    for r in rows:
        # Rebuild the combination from the row's detections; the description only affects text.
        score = combine(r.detections, "", r.signal, False, settings)
        out.append((score.importance, score.tier == GRAY))
    return out


def evaluate(rows: list[Row], settings: ImportanceSettings, lm_settings: ImportanceSettings,
             lm_gray_at: float) -> dict:
    """Combined (`settings`) vs mechanical-only vs LM-only (`lm_settings`, gray below
    `lm_gray_at`) on `rows`."""
    labelled = [r for r in rows if r.label in (MECHANICAL, MEANINGFUL)]
    positive = [r.label == MEANINGFUL for r in labelled]
    labels = [r.label for r in rows]
    comb = combined_scores(rows, settings)
    comb_by_row = dict(zip(map(id, rows), comb, strict=True))
    lm_only = [lm_importance(r.signal, lm_settings) if r.signal else 0.5 for r in rows]
    lm_by_row = dict(zip(map(id, rows), lm_only, strict=True))
    result = {
        "hunks": len(rows),
        "labels": dict(Counter(labels)),
        "combined": {
            "auroc": auroc([comb_by_row[id(r)][0] for r in labelled], positive),
            "gray": gray_stats([g for _, g in comb], labels),
        },
        "mechanical_only": {
            "auroc": auroc([r.mech.importance for r in labelled], positive),
            "gray": gray_stats([r.mech.tier == GRAY for r in rows], labels),
        },
        "lm_only": {
            "auroc": auroc([lm_by_row[id(r)] for r in labelled], positive),
            "gray_below": lm_gray_at,
            "gray": gray_stats([lm_by_row[id(r)] < lm_gray_at for r in rows], labels),
        },
    }
    per_detector: dict[str, Counter] = defaultdict(Counter)
    for r, (_, g) in zip(rows, comb, strict=True):
        if g:
            per_detector[r.mech.detector if r.mech.tier == GRAY else "lm"][r.label] += 1
    result["gray_by_detector"] = {
        d: {"grayed": sum(c.values()), "correct": c[MECHANICAL],
            "precision": c[MECHANICAL] / sum(c.values())}
        for d, c in sorted(per_detector.items())
    }
    per_kind: dict[str, Counter] = defaultdict(Counter)
    for r, (_, g) in zip(rows, comb, strict=True):
        per_kind[f"{r.kind}/{r.label}"]["gray" if g else "shown"] += 1
    result["by_transformation"] = {k: dict(v) for k, v in sorted(per_kind.items())}
    return result


def gray_threshold(scored: list[tuple[float, str]]) -> float:
    """The highest importance threshold below which the (importance, label) pairs are gray
    with precision >= TUNE_PRECISION (0 = never gray); ties are never split."""
    scored = sorted(scored)
    best, right = 0.0, 0
    for k, (imp, label) in enumerate(scored, 1):
        right += label == MECHANICAL
        if right / k >= TUNE_PRECISION and (k == len(scored) or scored[k][0] > imp):
            best = imp + 1e-6
    return best


def tune_lm_only_gray(rows: list[Row], settings: ImportanceSettings) -> float:
    """The LM-only baseline's own gray threshold, tuned like the combined one (dev rows)."""
    return gray_threshold([(lm_importance(r.signal, settings), r.label)
                           for r in rows if r.signal is not None])


def thousand_line_diff(cases: list[Case]) -> ParsedDiff:
    """Files from the set's cases, gathered until they change at least 1,000 lines."""
    files, changed = [], 0
    for case in cases:
        for pfile in case.diff.files:
            if changed >= 1000:
                break
            if pfile.path in {f.path for f in files}:
                continue
            files.append(pfile)
            changed += pfile.added_count + pfile.removed_count
    return ParsedDiff(files)


def speed(cases: list[Case], engine, settings: ImportanceSettings) -> dict:
    diff = thousand_line_diff(cases)
    hunks = sum(len(f.hunks) for f in diff.files)
    changed = sum(f.added_count + f.removed_count for f in diff.files)
    t0, c0 = time.perf_counter(), time.process_time()
    mech = score_hunks_mechanical(diff, settings=settings)
    t1, c1 = time.perf_counter(), time.process_time()
    refine_with_lm(diff, mech, engine, settings=settings)
    t2, c2 = time.perf_counter(), time.process_time()
    sent = sum(1 for row in mech for s in row if not s.details.get("detections"))
    return {
        "changed_lines": changed, "hunks": hunks, "hunks_sent_to_lm": sent,
        "mechanical_s": round(t1 - t0, 3), "lm_s": round(t2 - t1, 3),
        "total_s": round(t2 - t0, 3),
        # CPU seconds of this process: what the scoring costs when the machine is not shared.
        "mechanical_cpu_s": round(c1 - c0, 3), "lm_cpu_s": round(c2 - c1, 3),
        "lm_total_tokens": settings.lm_total_tokens,
        "load_average_1min": round(os.getloadavg()[0], 2),
        "mechanical_hunks_per_s": round(hunks / max(t1 - t0, 1e-9), 1),
        "hunks_per_s": round(hunks / max(t2 - t0, 1e-9), 2),
    }


def main(argv: list[str] | None = None, engine=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lm-cache", type=Path, default=None,
                        help="reuse LM signals between runs (JSON file)")
    parser.add_argument("--python-files", type=int, default=330)
    parser.add_argument("--threads", type=int, default=1,
                        help="torch CPU threads (on a shared, loaded 2-core machine 1 thread "
                             "scored 20x faster than 2: OpenMP threads spin against each other)")
    args = parser.parse_args(argv)
    if engine is None:
        import torch

        from inference.engine import get_engine

        torch.set_num_threads(args.threads)
        engine = get_engine()
    t0 = time.perf_counter()
    cases = build_cases(python_files=args.python_files)
    rows: list[Row] = []
    case_rows: list[list[Row]] = []
    for case in cases:
        mine = []
        detections = run_detectors(case.diff, case.gitattributes)
        mech = score_hunks_mechanical(case.diff, gitattributes=case.gitattributes)
        for fi, labels in enumerate(case.labels):
            for hi, label in enumerate(labels):
                mine.append(Row(case, label, mech[fi][hi], detections[fi][hi]))
        case_rows.append(mine)
        rows.extend(mine)
    print(f"{len(cases)} cases, {len(rows)} hunks ({time.perf_counter() - t0:.0f}s)", flush=True)
    t1 = time.perf_counter()
    signals, fresh = lm_for_cases(cases, engine, DEFAULT_SETTINGS, args.lm_cache)
    lm_seconds = time.perf_counter() - t1
    for mine, sig in zip(case_rows, signals, strict=True):
        for row, s in zip(mine, sig, strict=True):
            row.signal = s
    dev = [r for r in rows if r.split == "dev"]
    test = [r for r in rows if r.split == "test"]
    settings, fit = tune(dev)
    # The LM-only baseline gets its own model, fitted the same way on every dev hunk.
    lm_settings, lm_fit = fit_lm(dev, DEFAULT_SETTINGS)
    lm_gray_at = tune_lm_only_gray(dev, lm_settings)
    report = {
        "set": {"cases": len(cases), "hunks": len(rows), "dev": len(dev), "test": len(test)},
        "tuned": {k: v for k, v in asdict(settings).items()},
        "lm_model": fit,
        "lm_only_model": dict(lm_fit, weights={k: v for k, v in asdict(lm_settings).items()
                                                if k.startswith("lm_") and v and "tokens" not in k},
                              gray_below=lm_gray_at),
        "test": evaluate(test, settings, lm_settings, lm_gray_at),
        "dev": evaluate(dev, settings, lm_settings, lm_gray_at),
        # Wall seconds per hunk of the set's LM scoring (only meaningful when nothing came from
        # the --lm-cache: see lm_cases_scored_now).
        "lm_scoring_s_per_hunk": round(lm_seconds / max(len(rows), 1), 3),
        "lm_cases_scored_now": fresh,
        "speed_1000_lines": speed(cases, engine, settings),
    }
    print_report(report)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2, default=_json_default) + "\n")
    return report


def _json_default(value):
    if isinstance(value, float) and math.isnan(value):
        return None
    raise TypeError(type(value).__name__)


def print_report(report: dict) -> None:
    test = report["test"]
    print(f"\nTest half: {test['hunks']} hunks {test['labels']}")
    print(f"{'':18}{'AUROC':>8}{'gray prec':>11}{'gray rec':>10}{'grayed':>8}")
    for name in ("combined", "mechanical_only", "lm_only"):
        r = test[name]
        g = r["gray"]
        print(f"{name:18}{r['auroc']:8.3f}{g['precision']:11.3f}{g['recall']:10.3f}"
              f"{g['grayed']:8d}")
    base = max(test["mechanical_only"]["auroc"], test["lm_only"]["auroc"])
    print(f"combined / best single AUROC: {test['combined']['auroc'] / base:.3f}x")
    print("gray by detector (test):")
    for d, s in test["gray_by_detector"].items():
        print(f"  {d:12} {s['correct']}/{s['grayed']} correct ({s['precision']:.3f})")
    sp = report["speed_1000_lines"]
    print(f"1,000-line diff: {sp['changed_lines']} changed lines, {sp['hunks']} hunks, "
          f"mechanical {sp['mechanical_s']}s, LM {sp['lm_s']}s ({sp['hunks_sent_to_lm']} hunks "
          f"sent), total {sp['total_s']}s, {sp['hunks_per_s']} hunks/s")


if __name__ == "__main__":
    main()
