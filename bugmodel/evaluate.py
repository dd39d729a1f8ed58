"""`python -m bugmodel eval`: synthetic test metrics per kind, calibration, false alarms on
held-out real code, and the language-model baseline, all in one run."""

from __future__ import annotations

import json
import random
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

from bugmodel.calibration import (
    expected_calibration_error,
    fit_temperature,
    reliability_diagram,
    top_label,
)
from bugmodel.data import Encoded, encode
from bugmodel.detection import detect_files, read_python_file
from bugmodel.detector import DEFAULT_THRESHOLD, forget_loaded, load_detector
from bugmodel.scoring import predict_logits, same_location, softmax, summarise
from synthdata.dataset import Record, iter_records, load_manifest
from synthdata.rewrites import KINDS

PLOTS_DIR = Path(__file__).parent / "plots"


def _sample_records(data_dir: Path, split: str, limit: int | None, seed: int) -> list[Record]:
    records = list(iter_records(data_dir, split))
    if limit is not None and len(records) > limit:
        records = random.Random(seed).sample(records, limit)
    return records


def encode_pairs(records: list[Record], detector, max_len: int,
                 ) -> list[tuple[Record, Encoded, Encoded]]:
    """(record, clean sample, buggy sample) for records where both fit the model."""
    out = []
    for record in records:
        clean = encode(detector.vocab, record.clean, record.clean_candidates, record.context, -1,
                       max_len)
        buggy = encode(detector.vocab, record.buggy, record.buggy_candidates, record.context,
                       record.target, max_len)
        if clean is not None and buggy is not None:
            out.append((record, clean, buggy))
    return out


def per_kind(pairs, buggy_logits) -> dict[str, dict[str, float]]:
    """Localization and joint accuracy per injected kind."""
    table: dict[str, list[tuple[bool, bool]]] = defaultdict(list)
    for (record, _, buggy), row in zip(pairs, buggy_logits, strict=True):
        pred = int(np.argmax(row))
        table[record.kind].append((same_location(buggy, pred, buggy.target), pred == buggy.target))
    return {kind: {"n": len(rows), "localization_accuracy": float(np.mean([r[0] for r in rows])),
                   "joint_accuracy": float(np.mean([r[1] for r in rows]))}
            for kind, rows in sorted(table.items(), key=lambda kv: KINDS.index(kv[0]))}


def threshold_metrics(clean_logits, buggy_logits, buggy_samples, temperature: float,
                      threshold: float) -> dict[str, float]:
    """At the reporting threshold: share of clean functions flagged, and of bugs found+fixed."""
    def top(row):
        probs = softmax(row, temperature)
        column = int(np.argmax(probs[1:])) + 1 if len(probs) > 1 else 0
        return column, probs[column] if column else 0.0

    flagged = [top(row)[1] >= threshold for row in clean_logits]
    found = []
    for row, sample in zip(buggy_logits, buggy_samples, strict=True):
        column, p = top(row)
        found.append(p >= threshold and column == sample.target)
    return {"threshold": threshold, "clean_flagged_rate": float(np.mean(flagged)),
            "buggy_found_and_fixed_rate": float(np.mean(found))}


def real_code_false_alarms(data_dir: Path, detector, max_files: int, seed: int) -> dict:
    """Findings per 1,000 lines on files of test-split packages (never trained on)."""
    files = load_manifest(data_dir)["splits"]["test"]["files"]
    files = random.Random(seed).sample(files, min(max_files, len(files)))
    pairs, lines = [], 0
    for entry in files:
        try:
            text = read_python_file(entry["location"])
        except (OSError, ValueError):
            continue
        pairs.append((entry["path"], text))
        lines += text.count("\n") + 1
    started = time.monotonic()
    result = detect_files(pairs, detector=detector)
    by_kind: dict[str, int] = defaultdict(int)
    for finding in result.findings:
        by_kind[finding.kind] += 1
    return {
        "files": len(pairs), "lines": lines, "skipped": len(result.skipped),
        "findings": len(result.findings),
        "findings_per_1000_lines": 1000 * len(result.findings) / max(1, lines),
        "by_kind": dict(sorted(by_kind.items())),
        "packages": sorted({e["package"] for e in files}),
        "seconds": round(time.monotonic() - started, 1),
        "examples": [f.to_dict() for f in sorted(result.findings,
                                                 key=lambda f: -f.probability)[:8]],
    }


def evaluate(model_dir: Path, data_dir: Path, out_json: Path, plots_dir: Path = PLOTS_DIR,
             test_records: int | None = 2000, val_records: int | None = 1000,
             real_files: int = 120, baseline_samples: int = 60, seed: int = 0) -> dict:
    """Run the whole evaluation and write `calibration.json` next to the weights."""
    forget_loaded()
    detector = load_detector(model_dir)
    detector.temperature = 1.0
    max_len = detector.model.config.max_len
    started = time.monotonic()
    print("encoding validation and test sets ...", file=sys.stderr)
    val = encode_pairs(_sample_records(data_dir, "val", val_records, seed), detector, max_len)
    test = encode_pairs(_sample_records(data_dir, "test", test_records, seed), detector, max_len)
    val_samples = [s for _, c, b in val for s in (c, b)]
    val_logits = predict_logits(detector.model, val_samples, detector.device)
    val_targets = [s.target for s in val_samples]
    temperature = fit_temperature(val_logits, val_targets)
    clean = [c for _, c, _ in test]
    buggy = [b for _, _, b in test]
    print(f"scoring {len(test)} test functions ...", file=sys.stderr)
    clean_logits = predict_logits(detector.model, clean, detector.device)
    buggy_logits = predict_logits(detector.model, buggy, detector.device)
    all_logits, all_targets = clean_logits + buggy_logits, [s.target for s in clean + buggy]
    before = top_label(all_logits, all_targets)
    after = top_label(all_logits, all_targets, temperature)
    reliability_diagram({"before (T=1)": before, f"after (T={temperature:.2f})": after},
                        plots_dir / "reliability.png")
    summary = summarise(all_logits, clean + buggy)
    summary.pop("loss")
    val_before = top_label(val_logits, val_targets)
    val_after = top_label(val_logits, val_targets, temperature)
    calibration = {
        "temperature": temperature,
        "threshold": DEFAULT_THRESHOLD,
        "ece_test_before": expected_calibration_error(*before),
        "ece_test_after": expected_calibration_error(*after),
        "ece_val_before": expected_calibration_error(*val_before),
        "ece_val_after": expected_calibration_error(*val_after),
    }
    (Path(model_dir) / "calibration.json").write_text(json.dumps(
        {"temperature": temperature, "threshold": DEFAULT_THRESHOLD,
         "fit_on": f"validation split, {len(val_samples)} samples"}, indent=1))
    detector.temperature = temperature
    results = {
        "model_dir": str(model_dir),
        "test": {"functions": len(test), "samples": len(clean) + len(buggy), **summary},
        "per_kind": per_kind(test, buggy_logits),
        "calibration": calibration,
        "at_threshold": threshold_metrics(clean_logits, buggy_logits, buggy, temperature,
                                          DEFAULT_THRESHOLD),
    }
    print("held-out real code ...", file=sys.stderr)
    results["real_code"] = real_code_false_alarms(data_dir, detector, real_files, seed)
    if baseline_samples > 0:
        from bugmodel.lm_baseline import evaluate_baseline

        print("language-model baseline ...", file=sys.stderr)
        subset = random.Random(seed).sample(test, min(baseline_samples, len(test)))
        results["lm_baseline"] = evaluate_baseline(subset)
        index = {id(p): i for i, p in enumerate(test)}
        rows = [index[id(p)] for p in subset]
        results["model_on_baseline_subset"] = {
            k: v for k, v in summarise([clean_logits[i] for i in rows] +
                                       [buggy_logits[i] for i in rows],
                                       [clean[i] for i in rows] + [buggy[i] for i in rows]).items()
            if k != "loss"}
    results["seconds"] = round(time.monotonic() - started, 1)
    out_json.parent.mkdir(parents=True, exist_ok=True)
    out_json.write_text(json.dumps(results, indent=1))
    return results


def markdown_table(results: dict) -> str:
    """The headline table of the model card."""
    t, c = results["test"], results["calibration"]
    rows = [
        ("NO_BUG accuracy on clean functions", t["no_bug_accuracy"]),
        ("localization accuracy (buggy)", t["localization_accuracy"]),
        ("joint localization+repair accuracy (buggy)", t["joint_accuracy"]),
    ]
    base = results.get("lm_baseline")
    same = results.get("model_on_baseline_subset")
    lines = ["| metric | model (full test) | model (baseline subset) | LM baseline (subset) |",
             "|---|---|---|---|"]
    keys = ["no_bug_accuracy", "localization_accuracy", "joint_accuracy"]
    for (label, value), key in zip(rows, keys, strict=True):
        lines.append(f"| {label} | {value:.3f} | "
                     f"{same[key]:.3f} | {base[key]:.3f} |" if base else
                     f"| {label} | {value:.3f} | – | – |")
    lines.append(f"| ECE before / after temperature scaling (test) | "
                 f"{c['ece_test_before']:.3f} / {c['ece_test_after']:.3f} | | |")
    r = results["real_code"]
    lines.append(f"| findings per 1,000 lines, held-out real code (p ≥ "
                 f"{results['at_threshold']['threshold']}) | {r['findings_per_1000_lines']:.2f} "
                 f"({r['findings']} in {r['lines']} lines) | | |")
    return "\n".join(lines)
