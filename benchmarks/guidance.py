"""Guidance on real changes: review order and hunk tiers against the labelled guidance set.

    python benchmarks/guidance.py [--lm] [--lm-cases 40] [--lm-cache var/guidance_lm.json]
    python benchmarks/guidance.py --data var/guidance_fresh.jsonl.gz \
        --out benchmarks/results/guidance_fresh.json   # a second held-out set
    python benchmarks/guidance.py --data var/guidance_third.jsonl.gz \
        --out benchmarks/results/guidance_third.json   # a third (see benchmarks/README.md)

On benchmarks/data/guidance.jsonl.gz (built by guidance_data.py: real commits and 30-commit
ranges of 20 public repositories, labels by the rules in benchmarks/README.md) it prints, side
by side with the baselines measured in the same run:
- ordering: read-before constraints satisfied, pasted diffs and git ranges, vs path order, for
  all cases and per side of the split by repository (dev: tuned on; test: held out);
- gray tier: precision/recall on real mechanical hunks (docs and meaningful hunks count
  against precision);
- key tier: share of hunks per PR (mean over cases), precision/recall against the
  heart-of-the-change labels (commits), distinct key reasons on the largest range;
- with --lm: AUROC of importance (meaningful vs mechanical) mechanical-only, LM-only and
  combined, and key quality with the LM, on the first --lm-cases commits (cached per case);
- time per 1,000 changed lines: ordering (git ranges and pasted diffs) + mechanical scoring
  (and the LM, with --lm).
Writes benchmarks/results/guidance.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import Counter
from dataclasses import asdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from guidance_data import DATA, SPLITS, Case, load_cases, split_of  # noqa: E402
from importance import auroc  # noqa: E402

from reviewapp.importance import (  # noqa: E402
    DEFAULT_SETTINGS,
    GRAY,
    KEY,
    NORMAL,
    HunkScore,
    ImportanceSettings,
    refine_with_lm,
    score_hunks_mechanical,
)
from reviewapp.importance.combine import lm_importance  # noqa: E402
from reviewapp.importance.hunk_scoring import score_with_signals  # noqa: E402
from reviewapp.importance.lm_signal import HunkSignal, lm_signals  # noqa: E402
from reviewapp.importance.views import build_views  # noqa: E402
from reviewapp.ordering import order_files  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results" / "guidance.json"


def satisfied(order: list[str], constraints: list[tuple[str, str, list[str]]]) -> tuple[int, int]:
    """How many (first, then) constraints the order keeps, of how many."""
    position = {path: rank for rank, path in enumerate(order)}
    kept = sum(1 for a, b, _ in constraints if position[a] < position[b])
    return kept, len(constraints)


ORDERS = ("pasted", "git", "path_order")


def ordering(cases: list[Case]) -> dict:
    """Read-before constraints kept: all cases, then per side of the dev/test split."""
    totals: Counter[tuple[str, str]] = Counter()
    violations = []
    for case in cases:
        if not case.constraints:
            continue
        orders = {
            "pasted": [o.path for o in sorted(order_files(case.pasted.files),
                                              key=lambda o: o.order)],
            "git": [o.path for o in sorted(order_files(case.git.files), key=lambda o: o.order)],
            "path_order": sorted(f.path for f in case.git.files),
        }
        side = split_of(case.repo)
        for name, order in orders.items():
            kept, total = satisfied(order, case.constraints)
            for part in ("all", side):
                totals[part, f"{name}_kept"] += kept
                totals[part, f"{name}_total"] += total
            if name == "pasted" and side == "dev":  # held-out violations stay unread
                position = {p: r for r, p in enumerate(order)}
                violations += [f"{case.repo} {case.head[:8]}: {a} -> {b} {why}"
                               for a, b, why in case.constraints if position[a] > position[b]]

    def rates(part: str) -> dict:
        out = {name: round(totals[part, f"{name}_kept"] / max(totals[part, f"{name}_total"], 1), 4)
               for name in ORDERS}
        out["constraints"] = totals[part, "git_total"]
        return out

    out = rates("all")
    out["cases_with_constraints"] = sum(1 for c in cases if c.constraints)
    out["by_split"] = {part: dict(rates(part), repositories=sorted({c.repo for c in cases
                                                                   if split_of(c.repo) == part}))
                       for part in SPLITS}
    out["dev_pasted_violations"] = violations[:40]
    return out


def tier_report(cases: list[Case], scores: list[list[list[HunkScore]]]) -> dict:
    """Gray precision/recall, tier shares per PR, key precision/recall vs the heart labels."""
    rows = [(case, fi, hi, s) for case, per in zip(cases, scores, strict=True)
            for fi, row in enumerate(per) for hi, s in enumerate(row)]
    labelled = [(c.labels[fi][hi], s) for c, fi, hi, s in rows if c.labels[fi][hi]]
    grayed = [lab for lab, s in labelled if s.tier == GRAY]
    mechanical = [lab for lab, _ in labelled if lab.startswith("mechanical")]
    right = sum(1 for lab in grayed if lab.startswith("mechanical"))
    shares = {tier: [] for tier in (GRAY, NORMAL, KEY)}
    range_key = []
    for case, per in zip(cases, scores, strict=True):
        tiers = [s.tier for row in per for s in row]
        if not tiers:
            continue
        for tier in shares:
            shares[tier].append(sum(t == tier for t in tiers) / len(tiers))
        if case.kind == "range":
            range_key.append(sum(t == KEY for t in tiers) / len(tiers))
    hearts = [(bool(c.heart[fi][hi]), s.tier == KEY) for c, fi, hi, s in rows if c.heart]
    key_right = sum(1 for h, k in hearts if h and k)
    keys = sum(1 for _, k in hearts if k)
    heart_total = sum(1 for h, _ in hearts if h)
    return {
        "gray_precision": round(right / len(grayed), 4) if grayed else None,
        "gray_recall": round(right / len(mechanical), 4) if mechanical else None,
        "grayed": len(grayed),
        "grayed_non_mechanical": dict(Counter(lab for lab in grayed
                                              if not lab.startswith("mechanical"))),
        "mean_share_per_pr": {t: round(statistics.mean(v), 4) for t, v in shares.items() if v},
        "max_key_share": round(max(shares[KEY]), 4) if shares[KEY] else None,
        "mean_key_share_ranges": round(statistics.mean(range_key), 4) if range_key else None,
        "key_precision_vs_heart": round(key_right / keys, 4) if keys else None,
        "key_recall_vs_heart": round(key_right / heart_total, 4) if heart_total else None,
        "heart_hunks": heart_total,
        "heart_subset_hunks": len(hearts),
    }


def largest_range(cases: list[Case], scores: list[list[list[HunkScore]]],
                  near_lines: int | None = None) -> dict:
    """The tiers and reasons of the biggest 30-commit range (or the one nearest `near_lines`
    changed lines, the issue's ~900-line example): does it read as guidance?"""
    ranges = [i for i, c in enumerate(cases) if c.kind == "range"]
    if near_lines is None:
        index = max(ranges, key=lambda i: cases[i].changed_lines)
    else:
        index = min(ranges, key=lambda i: abs(cases[i].changed_lines - near_lines))
    case = cases[index]
    flat = [s for row in scores[index] for s in row]
    key_reasons = [s.reason for s in flat if s.tier == KEY]
    return {
        "repo": case.repo, "range": f"{case.base[:10]}..{case.head[:10]}",
        "changed_lines": case.changed_lines, "files": len(case.git.files), "hunks": len(flat),
        "tiers": dict(Counter(s.tier for s in flat)),
        "distinct_key_reasons": len(set(key_reasons)),
        "key_reasons": key_reasons[:12],
        "distinct_reasons_all_tiers": len({s.reason for s in flat}),
    }


def lm_signals_for(cases: list[Case], engine, cache: Path | None) -> list[list[HunkSignal | None]]:
    """LM signal of every hunk of each case, cached by case."""
    stored = json.loads(cache.read_text()) if cache and cache.exists() else {}
    out = []
    for n, case in enumerate(cases):
        key = f"{case.repo}:{case.base}..{case.head}"
        if key not in stored:
            views = [v for row in build_views(case.git) for v in row]
            signals = lm_signals(views, [True] * len(views), engine,
                                 DEFAULT_SETTINGS.lm_context_tokens,
                                 DEFAULT_SETTINGS.lm_span_tokens, DEFAULT_SETTINGS.lm_total_tokens)
            stored[key] = [asdict(s) if s else None for s in signals]
            if cache:
                cache.parent.mkdir(parents=True, exist_ok=True)
                cache.write_text(json.dumps(stored))
            print(f"  LM {n + 1}/{len(cases)}", flush=True)
        out.append([HunkSignal(**s) if s else None for s in stored[key]])
    return out


def lm_report(cases: list[Case], mech: list[list[list[HunkScore]]], engine,
              cache: Path | None, settings: ImportanceSettings) -> dict:
    """What the LM adds on its subset: AUROC, key quality with and without, seconds."""
    signals = lm_signals_for(cases, engine, cache)
    lm_only, combined = [], []
    for case, per, sig in zip(cases, mech, signals, strict=True):
        flat = iter(sig)
        lm_only.append([[_lm_only_score(next(flat), settings) for _ in row] for row in per])
        # The cached signals replayed: combine() uses them only for hunks no detector spoke of.
        combined.append(score_with_signals(case.git, sig, settings=settings))
    labels, mech_i, lm_i, comb_i = [], [], [], []
    for case, m, lo, co in zip(cases, mech, lm_only, combined, strict=True):
        for fi, row in enumerate(case.labels):
            for hi, lab in enumerate(row):
                if lab == "meaningful" or lab.startswith("mechanical"):
                    labels.append(lab == "meaningful")
                    mech_i.append(m[fi][hi].importance)
                    lm_i.append(lo[fi][hi].importance)
                    comb_i.append(co[fi][hi].importance)
    lines = sum(c.changed_lines for c in cases)
    t0 = time.perf_counter()
    for case, per in zip(cases[:3], mech[:3], strict=True):
        refine_with_lm(case.git, per, engine, settings=settings)
    seconds = time.perf_counter() - t0
    return {
        "cases": len(cases), "labelled_hunks": len(labels), "meaningful": sum(labels),
        "auroc": {"mechanical_only": round(auroc(mech_i, labels), 4),
                  "lm_only": round(auroc(lm_i, labels), 4),
                  "combined": round(auroc(comb_i, labels), 4)},
        "tiers": {"mechanical_only": tier_report(cases, mech),
                  "lm_only": tier_report(cases, lm_only),
                  "combined": tier_report(cases, combined)},
        "lm_s_per_1000_changed_lines": round(
            seconds * 1000 / max(sum(c.changed_lines for c in cases[:3]), 1), 2),
        "changed_lines": lines,
    }


def _lm_only_score(signal: HunkSignal | None, settings: ImportanceSettings) -> HunkScore:
    """The LM-only baseline: importance from surprisal alone, key above `key_from`."""
    if signal is None:
        return HunkScore(settings.undetected_importance, NORMAL, "", "lm")
    value = lm_importance(signal, settings)
    tier = KEY if value >= settings.key_from else NORMAL
    return HunkScore(value, tier, "", "lm")


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lm", action="store_true", help="also measure the language model")
    parser.add_argument("--lm-cases", type=int, default=40)
    parser.add_argument("--lm-cache", type=Path, default=Path("var/guidance_lm.json"))
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--data", type=Path, default=DATA,
                        help="the set to measure (e.g. a second held-out set built into var/)")
    parser.add_argument("--out", type=Path, default=RESULTS, help="where to write the results")
    args = parser.parse_args(argv)
    cases = load_cases(args.data)
    settings = DEFAULT_SETTINGS
    t0 = time.perf_counter()
    mech = [score_hunks_mechanical(c.git, settings=settings) for c in cases]
    t1 = time.perf_counter()
    for c in cases:
        order_files(c.git.files)
    t2 = time.perf_counter()
    for c in cases:
        order_files(c.pasted.files)
    t3 = time.perf_counter()
    lines = sum(c.changed_lines for c in cases)
    report = {
        "set": {"cases": len(cases), "commits": sum(c.kind == "commit" for c in cases),
                "ranges": sum(c.kind == "range" for c in cases),
                "repositories": len({c.repo for c in cases}),
                "files": sum(len(c.git.files) for c in cases),
                "hunks": sum(len(f.hunks) for c in cases for f in c.git.files),
                "changed_lines": lines,
                "labels": dict(Counter(lab.split(":")[0] or "unlabelled" for c in cases
                                       for row in c.labels for lab in row))},
        "ordering": ordering(cases),
        "tiers_mechanical": tier_report(cases, mech),
        "largest_range": largest_range(cases, mech),
        "range_near_900_lines": largest_range(cases, mech, near_lines=900),
        "seconds_per_1000_changed_lines": {
            "mechanical_scoring": round((t1 - t0) * 1000 / lines, 3),
            "ordering": round((t2 - t1) * 1000 / lines, 3),
            "ordering_pasted": round((t3 - t2) * 1000 / lines, 3),
        },
    }
    if args.lm:
        import torch

        from inference.engine import get_engine

        torch.set_num_threads(args.threads)
        subset = [c for c in cases if c.kind == "commit"][: args.lm_cases]
        index = [cases.index(c) for c in subset]
        report["lm"] = lm_report(subset, [mech[i] for i in index], get_engine(),
                                 args.lm_cache, settings)
    print(json.dumps(report, indent=1))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    return report


if __name__ == "__main__":
    main()
