"""`python -m bugmodel eval`: three detectors compared in one run, on real bug fixes and on
synthetic bugs side by side.

Systems (all judge the same cases, one unit of code each):
- `scratch`: the from-scratch model alone (softmax over NO_BUG and every candidate);
- `lm_zero_shot`: the pretrained LM alone (`bugmodel/zero_shot.py`): its most surprising
  spans' candidates, ranked by the likelihood ratio of repaired vs original code (NO_BUG = a
  ratio of 0);
- `line_ranker`: phase 2 on real fixes: a learned ranking of the unit's lines (their syntax
  and the from-scratch model's verdicts) picks the line, the from-scratch model its repair
  (`bugmodel/line_ranker.py`);
- `line_ranker+checks`: the product's detector: the line ranker, and before its finding
  what the whole-file checks report in the unit (`bugmodel/file_checks.py`: a name the file
  never binds, `is` against a literal, a format string at odds with its arguments, ...),
  reported whatever the threshold. Known only where the unit's file is (real fixes, and
  clean functions with `synthdata/real/clean_files.jsonl.gz`); synthetic records have none.
- `line_ranker+checks+lm`: the product with the LM's choice of repair: the same scores, the
  best candidates of a unit reordered by the LM's likelihood ratio
  (`bugmodel/repair_choice.py`). A reordering changes neither a unit's best score nor NO_BUG's,
  which is all a clean case is judged on, so the LM reads the buggy cases only.
Learned heads on the LM's features (alone, and in a cascade with the from-scratch model) were
compared too and lost on real dev code at ~1,000x the cost; they were deleted (MODEL_CARD.md).

Each system's scaling (a temperature and a NO_BUG offset, `Scaling`), finding calibration and
default threshold are fitted on the real dev split (clean functions set the threshold:
findings on clean code must be rare; the finding calibration turns the best candidate's
scaled score into the chance that a finding shown with it is on a bug,
`FindingCalibration`); the test splits are scored with them. A finding is right when it sits
on the bug's line(s) (localisation); `joint` also needs its replacement to be the fix.
Results go to `weights/eval.json` and
`benchmarks/results/bugmodel_eval.json`, the reliability diagram to `plots/reliability.png`.
"""

from __future__ import annotations

import hashlib
import json
import sys
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from bugmodel.calibration import (
    FindingCalibration,
    Scaling,
    expected_calibration_error,
    fit_finding_calibration,
    fit_scaling,
    reliability_diagram,
    top_label,
)
from bugmodel.candidate_scoring import seen_columns, small_model_rows
from bugmodel.cases import REAL_DIR, Case, real_clean_cases, real_fix_cases, synthetic_cases
from bugmodel.detector import forget_loaded, load_detector
from bugmodel.file_finding import FileFinding, repairs_to
from bugmodel.line_ranker import (
    LineRanker,
    candidate_logits,
    load_line_ranker,
    save_line_ranker,
    unit_lines,
)
from bugmodel.lm_jobs import cached_lm_jobs
from bugmodel.plausible_repairs import fold_into_no_bug, implausible_in_unit
from bugmodel.repair_choice import (
    TOP_CANDIDATES,
    adapter_fingerprint,
    best_columns,
    reordered,
    repair_ratios,
)
from bugmodel.zero_shot import LMVerdict, lm_verdicts

if TYPE_CHECKING:
    from inference.engine import Engine

PLOTS_DIR = Path(__file__).parent / "plots"
RESULTS = Path(__file__).resolve().parents[1] / "benchmarks" / "results" / "bugmodel_eval.json"
#: The product: the line ranker, with the whole-file checks' findings reported first
#: (`bugmodel/file_checks.py`; shown whatever the threshold, as `detect` does).
CHECKS = "line_ranker+checks"
#: The product with the LM's choice of repair (`bugmodel/repair_choice.py`).
LM_REPAIRS = "line_ranker+checks+lm"
SYSTEMS = ("scratch", "lm_zero_shot", "line_ranker", CHECKS, LM_REPAIRS)
#: Systems that need no language model (`--without-lm` evaluates only these, on more cases).
WITHOUT_LM = ("scratch", "line_ranker", CHECKS)
#: The systems whose reliability is drawn uncalibrated too, and whose scaling, threshold and
#: finding calibration the product's line ranker uses: the first of them evaluated.
PRODUCT = (LM_REPAIRS, CHECKS)
#: Findings per 1,000 clean lines the default threshold may allow on dev: below the product's
#: bound of 0.5, because a threshold fitted to exactly 0.5 on dev gave 0.555 on test (the
#: repositories differ); the margin keeps unseen code under the bound.
MAX_CLEAN_FINDINGS_PER_1000 = 0.35
#: Suffix of the splits that hold the real fixes' functions as the fixes left them.
FIXED = "_fixed"
#: Scores the default threshold is chosen from, evenly spaced in log-odds: a NO_BUG offset
#: leaves the best candidates' scores small, and a fixed step of 0.01 is coarse there.
THRESHOLDS = np.unique(np.round(1 / (1 + np.exp(-np.linspace(-5.3, 6.9, 611))), 4))
#: Lower edges of the probability bands in which the best finding's precision is counted
#: (`finding_reliability`): what a finding shown with that probability is worth.
FINDING_BANDS = (0.02, 0.05, 0.1, 0.2, 0.5, 0.8, 0.9, 0.95, 0.99)


@dataclass
class Judged:
    """One system's verdict on one case: logits over NO_BUG and its candidate columns."""

    columns: list[int]  # candidate index of logit column 1, 2, ...
    logits: np.ndarray
    checked: FileFinding | None = None  # a whole-file check's finding, before any candidate

    def checked_right(self, case: Case) -> bool:
        """Whether the whole-file check's finding sits on the bug's lines."""
        return (self.checked is not None and case.bug_lines is not None
                and self.checked.line <= case.bug_lines[1]
                and case.bug_lines[0] <= self.checked.end_line)

    def right(self, case: Case) -> list[int]:
        """Columns counted as right: NO_BUG for clean code, the bug's lines for a bug."""
        if not case.buggy:
            return [0]
        located = set(case.located)
        return [1 + j for j, i in enumerate(self.columns) if i in located]

    def ranked(self) -> list[int]:
        """Candidate columns (1-based), best first."""
        return [int(c) + 1 for c in np.argsort(-self.logits[1:], kind="stable")]


def judge(system: str, case: Case, small_row: np.ndarray, implausible: set[int],
          verdict: LMVerdict | None, ranker: LineRanker | None) -> Judged:
    """One system's verdict; `implausible` are the case's candidates no developer would make
    (`bugmodel.plausible_repairs`), whose scores go to NO_BUG."""
    if system == "lm_zero_shot":
        return Judged(*verdict.logits())
    if system in ("line_ranker", CHECKS) and case.candidates:
        small_row = candidate_logits(
            ranker, unit_lines(case.text, case.candidates, small_row), small_row)
    small_row = fold_into_no_bug(small_row, [1 + i for i in implausible])
    judged = Judged(*seen_columns(small_row))
    if system == CHECKS and case.checked:
        judged.checked = case.checked[0]
    return judged


def fit_threshold(cases: Sequence[Case], judged: Sequence[Judged], scaling: Scaling) -> float:
    """Lowest threshold on the best candidate's score at which clean code gets at most the
    allowed findings per 1,000 lines."""
    clean = [(c, j) for c, j in zip(cases, judged, strict=True) if not c.buggy]
    lines = sum(c.lines for c, _ in clean)
    strengths = [_strength(j, scaling) for _, j in clean]
    for threshold in THRESHOLDS:
        flagged = sum(_flagged(s, threshold) for s in strengths)
        if 1000 * flagged / max(1, lines) <= MAX_CLEAN_FINDINGS_PER_1000:
            return float(threshold)
    return float(THRESHOLDS[-1])


def fit_finding_probability(cases: Sequence[Case], judged: Sequence[Judged],
                            scaling: Scaling) -> FindingCalibration:
    """How often each unit's best candidate is on a bug, against its score (the units a
    whole-file check speaks for are left out: their findings carry the check's probability)."""
    scored = [(c, j) for c, j in zip(cases, judged, strict=True)
              if j.checked is None and len(j.logits) >= 2]
    tops = [_top(j, scaling) for _, j in scored]
    return fit_finding_calibration([p for _, p in tops],
                                   [c.buggy and column in j.right(c)
                                    for (c, j), (column, _) in zip(scored, tops, strict=True)])


def _top(judged: Judged, scaling: Scaling) -> tuple[int, float]:
    """Best candidate column and its scaled score (0, 0.0 without candidates)."""
    if len(judged.logits) < 2:
        return 0, 0.0
    probs = scaling(judged.logits)
    column = int(np.argmax(probs[1:])) + 1
    return column, float(probs[column])


def metrics(cases: Sequence[Case], judged: Sequence[Judged], scaling: Scaling,
            threshold: float, calibration: FindingCalibration | None = None) -> dict:
    """Localisation, repair, threshold and calibration metrics of one system on one split
    (`threshold` on the best candidate's score; `calibration` turns a score into the
    probability a finding is shown with, the score itself when None)."""
    calibration = calibration or FindingCalibration()
    rows: dict[str, list[dict]] = defaultdict(list)
    clean_lines = clean_findings = 0
    bands = [{"from": edge, "findings": 0, "right": 0} for edge in FINDING_BANDS]
    best_scores, best_shown, best_right = [], [], []
    for case, j in zip(cases, judged, strict=True):
        column, p = _top(j, scaling)
        checked = j.checked is not None
        flagged = _flagged((checked, p), threshold)
        if checked or len(j.logits) >= 2:  # every unit's best finding, whatever the threshold
            right = bool(case.buggy and (j.checked_right(case) if checked
                                         else column in j.right(case)))
            score = j.checked.probability if checked else p
            shown = score if checked else calibration(p)
            best_scores.append(score)
            best_shown.append(shown)
            best_right.append(right)
            band = int(np.searchsorted(FINDING_BANDS, shown, side="right")) - 1
            if band >= 0:
                bands[band]["findings"] += 1
                bands[band]["right"] += right
        if not case.buggy:
            clean_lines += case.lines
            clean_findings += flagged
            rows["clean"].append({"no_bug": int(np.argmax(j.logits)) == 0, "flagged": flagged})
            continue
        right = set(j.right(case))
        exact = {1 + k for k, i in enumerate(j.columns) if i in set(case.exact)}
        ranked = j.ranked()
        if j.checked is not None:  # the check's finding comes first, then the ranker's
            checked_right = j.checked_right(case)
            top1, top3 = checked_right, checked_right or any(c in right for c in ranked[:2])
            joint, found = _checked_fix(case, j.checked), checked_right
        else:
            top1 = bool(ranked[:1]) and ranked[0] in right
            top3 = any(c in right for c in ranked[:3])
            joint, found = bool(ranked[:1]) and ranked[0] in exact, flagged and column in right
        rows[case.kind].append({
            "top1": top1, "top3": top3, "joint": joint, "found": found,
            "flagged": flagged,
            "expressible": bool(case.exact),
        })
    bugs = [r for kind, rs in rows.items() if kind != "clean" for r in rs]
    findings = sum(r["flagged"] for r in bugs) + clean_findings
    found = sum(r["found"] for r in bugs)
    targets = [j.right(c) for c, j in zip(cases, judged, strict=True)]
    logits = [j.logits for j in judged]
    before, after = top_label(logits, targets), top_label(logits, targets, scaling)
    for k, (case, j) in enumerate(zip(cases, judged, strict=True)):
        if j.checked is not None:  # its probability is the check's, before and after
            for confidence, correct in (before, after):
                confidence[k], correct[k] = j.checked.probability, j.checked_right(case)

    def mean(key: str, rs: list[dict]) -> float | None:
        return round(float(np.mean([r[key] for r in rs])), 4) if rs else None

    def summary(rs: list[dict]) -> dict:
        return {"n": len(rs), "top1_localisation": mean("top1", rs), "joint": mean("joint", rs),
                "recall": mean("found", rs)}

    return {
        "bugs": len(bugs), "clean_functions": len(rows["clean"]), "clean_lines": clean_lines,
        "expressible_share": mean("expressible", bugs),
        "top1_localisation": mean("top1", bugs), "top3_localisation": mean("top3", bugs),
        "joint": mean("joint", bugs),
        "no_bug_accuracy_clean": mean("no_bug", rows["clean"]),
        "threshold": threshold, "findings": findings,
        "precision": round(found / findings, 4) if findings else None,
        "recall": round(found / len(bugs), 4) if bugs else None,
        "clean_findings_per_1000_lines": round(1000 * clean_findings / clean_lines, 3)
        if clean_lines else None,
        # Unlike the top-label ECE below (dominated by units whose NO_BUG is the sure top
        # label), these say how often a finding shown with a probability is on a bug.
        "finding_reliability": bands,
        "finding_ece_before": round(expected_calibration_error(
            np.array(best_scores), np.array(best_right)), 4) if best_scores else None,
        "finding_ece_after": round(expected_calibration_error(
            np.array(best_shown), np.array(best_right)), 4) if best_scores else None,
        "ece_before": round(expected_calibration_error(*before), 4),
        "ece_after": round(expected_calibration_error(*after), 4),
        "per_kind": {kind: summary(rs) for kind, rs in sorted(rows.items()) if kind != "clean"},
        # The bugs one enumerated candidate fixes: the setting of He et al. (2022), whose
        # real bugs were those their rewrites express.
        "expressible": summary([r for r in bugs if r["expressible"]]),
        "_curves": (before, after),
    }


def after_fix(cases: Sequence[Case], judged: Sequence[Judged], fixed_cases: Sequence[Case],
              fixed_judged: Sequence[Judged], scaling: Scaling, threshold: float) -> dict:
    """Each real bug against its own function once fixed (`real_fix_cases(after_fix=True)`):
    how often the buggy version gets the stronger finding (ties count half, so 0.5 is no
    signal), and how many findings at the threshold are still made once the bug is fixed.
    Unlike clean functions elsewhere in the repository, the fixed version differs from the
    buggy one only by the fix, so size and style cannot tell them apart."""
    after = {c.name: j for c, j in zip(fixed_cases, fixed_judged, strict=True)}
    wins, flagged, kept = [], 0, 0
    for case, j in zip(cases, judged, strict=True):
        if not case.buggy or case.name not in after:
            continue
        buggy, fixed = _strength(j, scaling), _strength(after[case.name], scaling)
        wins.append(1.0 if buggy > fixed else 0.5 if buggy == fixed else 0.0)
        if _flagged(buggy, threshold):
            flagged += 1
            kept += _flagged(fixed, threshold)
    return {"pairs": len(wins),
            "buggy_version_stronger": round(float(np.mean(wins)), 4) if wins else None,
            "findings_on_buggy_version": flagged, "still_made_after_fix": kept}


def _strength(judged: Judged, scaling: Scaling) -> tuple[bool, float]:
    """A unit's best finding, ordered as the review shows them: a check's first, then by score."""
    return judged.checked is not None, _top(judged, scaling)[1]


def _flagged(strength: tuple[bool, float], threshold: float) -> bool:
    """Whether a unit with this best finding gets a finding at the threshold."""
    return strength[0] or strength[1] >= threshold


def _checked_fix(case: Case, found: FileFinding) -> bool:
    """Whether the check's replacement gives the fixed code."""
    return case.fixed_text is not None and repairs_to(case.text, found, case.fixed_text)


def _judge_timed(system: str, cases: Sequence[Case], rows: Sequence[np.ndarray],
                 implausible: Sequence[set[int]], verdicts: Sequence[LMVerdict | None],
                 ranker: LineRanker | None) -> tuple[list[Judged], float]:
    """Every case's verdict and the seconds per case the verdicts took."""
    started = time.perf_counter()
    judged = [judge(system, c, r, m, v, ranker)
              for c, r, m, v in zip(cases, rows, implausible, verdicts, strict=True)]
    return judged, (time.perf_counter() - started) / max(1, len(cases))


def _repair_key(case: Case, columns: Sequence[int], candidate_of: Sequence[int],
                adapter: str) -> str:
    """Cache key of the LM's ratios: the case's text, the candidates it reads and the adapter
    reading them."""
    read = "|".join(str(case.candidates[candidate_of[c - 1]]) for c in columns)
    digest = hashlib.sha1(f"{adapter}\n{case.context}\n{case.text}\n{read}".encode())
    return f"{case.key}:{digest.hexdigest()[:16]}"


def lm_repaired(cases: Sequence[Case], base: Sequence[Judged], cache_file: Path | None,
                workers: int = 1, engine: Engine | None = None,
                ) -> tuple[list[Judged], float]:
    """`base` with the LM's choice of repair on every buggy case, and the LM's seconds per
    unit it read (`bugmodel/repair_choice.py`; clean cases are judged on what a reordering
    keeps, so the LM does not read them)."""
    columns = {i: best_columns(base[i].logits, TOP_CANDIDATES)
               for i, c in enumerate(cases) if c.buggy}
    read = [i for i, best in columns.items() if len(best) > 1]
    adapter = adapter_fingerprint()
    ratios = cached_lm_jobs(
        repair_ratios, [_repair_key(cases[i], columns[i], base[i].columns, adapter)
                        for i in read],
        [(cases[i].text, cases[i].context, cases[i].candidates, columns[i], base[i].columns)
         for i in read], cache_file, workers, engine, "LM repair choices")
    out = list(base)
    for i, chosen in zip(read, ratios, strict=True):
        out[i] = Judged(base[i].columns, reordered(base[i].logits, chosen), base[i].checked)
    return out, float(np.mean([r.seconds for r in ratios])) if ratios else 0.0


def _split_cases(data_dir: Path, real_dir: Path, synthetic_test: int, real_fixes: int | None,
                 clean_limit: int | None, seed: int) -> dict[str, list[Case]]:
    splits: dict[str, list[Case]] = {}
    fixes, clean = real_dir / "fixes.jsonl.gz", real_dir / "clean.jsonl.gz"
    if fixes.exists() and clean.exists():
        for split in ("dev", "test"):
            splits[f"real_{split}"] = (real_fix_cases(fixes, split, real_fixes, seed)
                                       + real_clean_cases(clean, split, clean_limit, seed))
            splits[f"real_{split}{FIXED}"] = real_fix_cases(fixes, split, real_fixes, seed,
                                                            after_fix=True)
    splits["synthetic_test"] = synthetic_cases(data_dir, "test", synthetic_test, seed)
    if "real_dev" not in splits:  # no mined data: calibrate on synthetic validation records
        splits["synthetic_val"] = synthetic_cases(data_dir, "val", synthetic_test, seed)
    return splits


def evaluate(model_dir: Path, data_dir: Path, out_json: Path, plots_dir: Path = PLOTS_DIR,
             synthetic_test: int = 120, real_fixes: int | None = 120,
             clean_limit: int | None = 150, real_dir: Path = REAL_DIR,
             features_dir: Path | None = None, workers: int = 1, seed: int = 0,
             results_copy: Path | None = RESULTS, engine: Engine | None = None,
             with_lm: bool = True, zero_shot: bool = True) -> dict:
    """Run every system on every split (only those without the LM when `with_lm` is False,
    all but the LM alone when `zero_shot` is False); write the calibration of the
    from-scratch model and the ranker, and the results."""
    forget_loaded()
    detector = load_detector(model_dir, from_scratch_only=True)  # the ranker is loaded here
    ranked = load_line_ranker(Path(model_dir) / "heads" / "line_ranker")
    ranker = ranked[0] if ranked is not None else None
    systems = [s for s in SYSTEMS
               if (s not in ("line_ranker", CHECKS, LM_REPAIRS) or ranker is not None)
               and (with_lm or s in WITHOUT_LM) and (zero_shot or s != "lm_zero_shot")]
    product = next((s for s in PRODUCT if s in systems), "scratch")
    splits = _split_cases(data_dir, real_dir, synthetic_test, real_fixes, clean_limit, seed)
    dev_name = "real_dev" if "real_dev" in splits else "synthetic_val"
    started = time.monotonic()
    judged: dict[str, dict[str, list[Judged]]] = {}
    # Dev as the models alone score it: the default threshold is fitted on these, so that the
    # rules of `bugmodel.plausible_repairs` only remove findings (freeing false-alarm budget
    # on dev must not let the threshold come down onto findings with no precision).
    unfiltered_dev: dict[str, list[Judged]] = {}
    speed: dict[str, dict[str, float]] = {}
    for split, cases in splits.items():
        print(f"{split}: {len(cases)} cases ...", file=sys.stderr)
        cache = features_dir / f"zero-shot-{split}.pkl" if features_dir else None
        verdicts = (lm_verdicts(cases, cache, workers, engine) if "lm_zero_shot" in systems
                    else [None] * len(cases))
        small_started = time.perf_counter()
        rows = small_model_rows(detector, [(c.text, c.context, c.candidates) for c in cases])
        # Judged once per case for every system, as detection judges each unit once.
        implausible = [implausible_in_unit(c.text, c.candidates) for c in cases]
        small_seconds = (time.perf_counter() - small_started) / max(1, len(cases))
        judged[split], speed[split] = {}, {}
        for system in systems:
            if system == LM_REPAIRS:  # the product's verdicts, with the LM's choice of repair
                cache = features_dir / f"repair-choice-{split}.pkl" if features_dir else None
                judged[split][system], seconds = lm_repaired(
                    cases, judged[split][CHECKS], cache, workers, engine)
                speed[split][system] = round(1 / max(1e-9, seconds + small_seconds), 2)
                if split == dev_name:  # the threshold is fitted on clean code: the same
                    unfiltered_dev[system] = unfiltered_dev[CHECKS]
                continue
            judged[split][system], seconds = _judge_timed(system, cases, rows, implausible,
                                                          verdicts, ranker)
            if system in WITHOUT_LM:  # timed in this run: the small model, then the verdicts
                seconds += small_seconds
            else:  # timed when the LM verdicts were computed (cached across runs)
                seconds = float(np.mean([v.seconds for v in verdicts])) if verdicts else 0.0
            speed[split][system] = round(1 / max(1e-9, seconds), 2)
            if split == dev_name:
                unfiltered_dev[system], _ = _judge_timed(system, cases, rows,
                                                         [set()] * len(cases), verdicts, ranker)
    results: dict = {"model_dir": str(model_dir), "dev_split": dev_name, "systems": {}}
    curves = {}
    for system in systems:
        dev_cases, dev_judged = splits[dev_name], judged[dev_name][system]
        scaling = fit_scaling([j.logits for j in dev_judged],
                              [j.right(c) for c, j in zip(dev_cases, dev_judged, strict=True)])
        score_threshold = fit_threshold(dev_cases, unfiltered_dev[system], scaling)
        calibration = fit_finding_probability(dev_cases, dev_judged, scaling)
        # The same findings as the score threshold, said as the chance that one is right.
        threshold = calibration(score_threshold)
        entry = {"temperature": round(scaling.temperature, 4),
                 "no_bug_offset": round(scaling.no_bug_offset, 4),
                 "threshold": round(threshold, 4),
                 "score_threshold": score_threshold,
                 "finding_calibration": calibration.to_dict()}
        for split, cases in splits.items():
            m = metrics(cases, judged[split][system], scaling, score_threshold, calibration)
            m["functions_per_s"] = speed[split][system]
            curves[(system, split)] = m.pop("_curves")
            if f"{split}{FIXED}" in splits:
                m["after_fix"] = after_fix(cases, judged[split][system],
                                           splits[f"{split}{FIXED}"],
                                           judged[f"{split}{FIXED}"][system], scaling,
                                           score_threshold)
            entry[split] = m
        results["systems"][system] = entry
        if system == product and product in PRODUCT:
            _, meta = ranked
            meta.update({**scaling.to_dict(), "threshold": threshold,
                         "score_threshold": score_threshold,
                         "finding_calibration": calibration.to_dict(),
                         "calibrated_on": dev_name})
            save_line_ranker(ranker, Path(model_dir) / "heads" / "line_ranker",
                             {k: v for k, v in meta.items()
                              if k not in ("config", "line_features", "unit_features")})
        elif system == "scratch":
            (Path(model_dir) / "calibration.json").write_text(json.dumps(
                {**scaling.to_dict(), "threshold": threshold,
                 "score_threshold": score_threshold,
                 "finding_calibration": calibration.to_dict(), "fit_on": dev_name}, indent=1))
    report = "real_test" if "real_test" in splits else "synthetic_test"
    before, _ = curves[(product, report)]
    reliability_diagram({f"{product}, uncalibrated": before,
                         **{f"{s}, calibrated": curves[(s, report)][1] for s in systems}},
                        plots_dir / "reliability.png")
    results["seconds"] = round(time.monotonic() - started, 1)
    out_json.parent.mkdir(parents=True, exist_ok=True)
    out_json.write_text(json.dumps(results, indent=1))
    if results_copy is not None:
        results_copy.parent.mkdir(parents=True, exist_ok=True)
        results_copy.write_text(json.dumps(results, indent=1))
    forget_loaded()
    return results


def markdown_table(results: dict) -> str:
    """The headline comparison of the model card: every system, real and synthetic test."""
    splits = [s for s in ("real_test", "synthetic_test") if any(
        s in v for v in results["systems"].values())]
    keys = [("top1_localisation", "top-1 localisation"), ("top3_localisation", "top-3"),
            ("joint", "joint"), ("precision", "precision@thr"), ("recall", "recall@thr"),
            ("clean_findings_per_1000_lines", "clean findings/1k lines"),
            ("ece_before", "ECE before"), ("ece_after", "ECE after"),
            ("finding_ece_before", "finding ECE before"),
            ("finding_ece_after", "finding ECE after"),
            ("buggy_version_stronger", "buggy > fixed"), ("functions_per_s", "functions/s")]
    lines = ["| system | split | thr (score) | " + " | ".join(label for _, label in keys) + " |",
             "|---|---|---|" + "---|" * len(keys)]

    def show(value) -> str:
        if value is None:
            return "–"
        return f"{value:.3f}" if isinstance(value, float) else str(value)

    for system, entry in results["systems"].items():
        for split in splits:
            m = {**entry[split], "buggy_version_stronger": entry[split].get(
                "after_fix", {}).get("buggy_version_stronger")}
            lines.append(f"| {system} | {split} | {entry['threshold']:.3f} "
                         f"({entry['score_threshold']:.3g}) | "
                         + " | ".join(show(m.get(k)) for k, _ in keys) + " |")
    return "\n".join(lines)
