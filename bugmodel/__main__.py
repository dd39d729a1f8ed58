"""`python -m bugmodel train|train-real|train-repair-lm|eval|detect`."""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

DEFAULT_DATA = Path("var/synthdata")
DEFAULT_RUNS = Path("var/bugmodel/runs")
DEFAULT_FEATURES = Path("var/bugmodel/features")


def _python_files(paths: list[str]) -> tuple[list[Path], list[str]]:
    """Files named on the command line, directories expanded to their *.py files."""
    files, missing = [], []
    for name in paths:
        path = Path(name)
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*.py") if p.is_file()))
        elif path.is_file():
            files.append(path)
        else:
            missing.append(name)
    return files, missing


def cmd_detect(args: argparse.Namespace) -> int:
    from bugmodel.detection import SkippedFile, UnreadableSource, detect_files, read_python_file
    from bugmodel.detector import WeightsMissing

    files, missing = _python_files(args.paths)
    if missing:
        print(f"error: no such file or directory: {', '.join(missing)}", file=sys.stderr)
        return 2
    pairs, skipped = [], []
    for path in files:
        try:
            pairs.append((str(path), read_python_file(path)))
        except (OSError, UnreadableSource) as exc:
            skipped.append(SkippedFile(str(path), str(exc)))
    try:
        result = detect_files(pairs, threshold=args.threshold, model_dir=args.model_dir,
                              device=args.device)
    except WeightsMissing as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    skipped += result.skipped
    for item in skipped:
        print(f"skipped {item.path}: {item.reason}", file=sys.stderr)
    if args.json:
        json.dump({"findings": [f.to_dict() for f in result.findings],
                   "skipped": [dataclasses.asdict(s) for s in skipped]}, sys.stdout, indent=1)
        print()
    else:
        for f in result.findings:
            print(f"{f.path}:{f.line}:{f.column + 1}: [{f.severity} {f.probability:.2f}] "
                  f"{f.message} (fix: {f.replacement!r})")
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    from bugmodel.model import CONFIGS
    from bugmodel.train import WEIGHTS_DIR, train

    config = CONFIGS[args.config]
    overrides = {k: v for k, v in (("max_minutes", args.max_minutes),
                                   ("max_steps", args.max_steps), ("seed", args.seed),
                                   ("device", args.device)) if v is not None}
    config = dataclasses.replace(config, **overrides)
    run_dir = args.run_dir or DEFAULT_RUNS / config.name
    out = args.out or (WEIGHTS_DIR if config.name == "cpu" else run_dir / "weights")
    try:
        summary = train(config, args.data, run_dir, out, resume=args.resume,
                        limit_records=args.limit_records,
                        plot_path=args.plot or (Path(out) / "loss.png"))
    except (FileNotFoundError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(summary, indent=1))
    return 0


def cmd_train_real(args: argparse.Namespace) -> int:
    from bugmodel.detector import WEIGHTS_DIR, WeightsMissing
    from bugmodel.line_ranker import LineRankerConfig
    from bugmodel.train_real import RANKER_DIR, train_line_ranker

    overrides = {k: v for k, v in (("epochs", args.epochs), ("lr", args.lr), ("seed", args.seed),
                                   ("hidden", args.hidden),
                                   ("synthetic_records", args.synthetic_records),
                                   ("small_programs", args.small_programs))
                 if v is not None}
    _threads(args.threads)
    try:
        summary = train_line_ranker(Path(args.model_dir or WEIGHTS_DIR), args.real_dir,
                                    args.data, dataclasses.replace(LineRankerConfig(), **overrides),
                                    Path(args.out or RANKER_DIR), args.feedback)
    except (FileNotFoundError, WeightsMissing, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps({k: v for k, v in summary.items() if k != "history"}, indent=1))
    return 0


def cmd_train_repair_lm(args: argparse.Namespace) -> int:
    from bugmodel.detector import WeightsMissing
    from bugmodel.repair_choice import ADAPTER_DIR
    from bugmodel.train_repair_lm import CONFIGS, train

    overrides = {k: v for k, v in (("max_minutes", args.max_minutes),
                                   ("train_records", args.train_records), ("seed", args.seed))
                 if v is not None}
    config = dataclasses.replace(CONFIGS[args.config], **overrides)
    try:
        summary = train(config, args.data, Path(args.out or ADAPTER_DIR))
    except (FileNotFoundError, WeightsMissing, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps({k: v for k, v in summary.items() if k != "history"}, indent=1))
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from bugmodel.detector import WEIGHTS_DIR, WeightsMissing
    from bugmodel.evaluate import PLOTS_DIR, RESULTS, evaluate, markdown_table

    model_dir = args.model_dir or WEIGHTS_DIR
    _threads(args.threads)
    try:
        results = evaluate(Path(model_dir), args.data, args.out or Path(model_dir) / "eval.json",
                           args.plots or PLOTS_DIR, args.synthetic_test, args.real_fixes or None,
                           args.clean_limit or None, args.real_dir, args.features_dir, args.workers,
                           args.seed, results_copy=args.results_copy or RESULTS,
                           with_lm=not args.without_lm, zero_shot=not args.without_zero_shot)
    except (FileNotFoundError, WeightsMissing, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(markdown_table(results), file=sys.stderr)
    print(json.dumps(results, indent=1))
    return 0


def _threads(threads: int | None) -> None:
    if threads:
        import torch

        torch.set_num_threads(threads)


def _data_options(p: argparse.ArgumentParser) -> None:
    from bugmodel.cases import REAL_DIR

    p.add_argument("--model-dir", type=Path, default=None)
    p.add_argument("--data", type=Path, default=DEFAULT_DATA, help="synthetic dataset")
    p.add_argument("--real-dir", type=Path, default=REAL_DIR,
                   help="mined fixes.jsonl.gz and clean.jsonl.gz")
    p.add_argument("--real-fixes", type=int, help="mined fixes sampled per split (0: all)")
    p.add_argument("--clean-limit", type=int,
                   help="clean real functions sampled per split (0: all)")
    p.add_argument("--features-dir", type=Path, default=DEFAULT_FEATURES,
                   help="cache of the language model's verdicts per split")
    p.add_argument("--workers", type=int, default=1, help="processes running the language model")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=None,
                   help="torch threads (1 is fastest on a CPU shared with other jobs)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bugmodel")
    sub = parser.add_subparsers(dest="command", required=True)

    d = sub.add_parser("detect", help="find likely bugs in Python files")
    d.add_argument("paths", nargs="+", help="files or directories")
    d.add_argument("--json", action="store_true", help='print {"findings": [...]}')
    d.add_argument("--threshold", type=float, default=None, help="calibrated probability cut")
    d.add_argument("--model-dir", default=None)
    d.add_argument("--device", default=None)
    d.set_defaults(func=cmd_detect)

    t = sub.add_parser("train", help="train a configuration (tiny, cpu, gpu)")
    t.add_argument("--config", default="cpu", choices=["tiny", "cpu", "gpu"])
    t.add_argument("--data", type=Path, default=DEFAULT_DATA)
    t.add_argument("--run-dir", type=Path, default=None, help="checkpoints, vocabulary, cache")
    t.add_argument("--out", type=Path, default=None, help="weights directory")
    t.add_argument("--plot", type=Path, default=None, help="loss-curve PNG")
    t.add_argument("--resume", action="store_true")
    t.add_argument("--limit-records", type=int, default=None)
    t.add_argument("--max-minutes", type=float, default=None)
    t.add_argument("--max-steps", type=int, default=None)
    t.add_argument("--seed", type=int, default=None)
    t.add_argument("--device", default=None)
    t.set_defaults(func=cmd_train)

    from bugmodel.cases import REAL_DIR

    r = sub.add_parser("train-real", help="phase 2: train the line ranker on real bug fixes "
                       "(train split; dev picks the epoch)")
    r.add_argument("--model-dir", default=None, help="phase-1 weights (default: committed)")
    r.add_argument("--out", default=None, help="ranker directory (default: heads/line_ranker)")
    r.add_argument("--real-dir", type=Path, default=REAL_DIR,
                   help="mined fixes.jsonl.gz and clean.jsonl.gz")
    r.add_argument("--epochs", type=int, default=None)
    r.add_argument("--lr", type=float, default=None)
    r.add_argument("--hidden", type=int, default=None, help="0: linear")
    r.add_argument("--data", type=Path, default=DEFAULT_DATA,
                   help="synthetic dataset (`python -m synthdata build`)")
    r.add_argument("--synthetic-records", type=int, default=None,
                   help="synthetic train records mixed in (0: real fixes only)")
    r.add_argument("--feedback", type=Path, nargs="*", default=[],
                   help="JSONL from `manage.py export_feedback` (accepted findings teach "
                   "bugs, false positives clean code)")
    r.add_argument("--small-programs", action=argparse.BooleanOptionalAction, default=None,
                   help="learn from the small programs' train split too (default: yes)")
    r.add_argument("--seed", type=int, default=None)
    r.add_argument("--threads", type=int, default=None)
    r.set_defaults(func=cmd_train_real)

    lm = sub.add_parser("train-repair-lm", help="tune the LM's adapter that chooses the repair "
                        "among the detector's best candidates (synthetic train records)")
    lm.add_argument("--config", default="cpu", choices=["tiny", "cpu"])
    lm.add_argument("--data", type=Path, default=DEFAULT_DATA)
    lm.add_argument("--out", default=None, help="adapter directory (default: heads/repair_lm)")
    lm.add_argument("--max-minutes", type=float, default=None)
    lm.add_argument("--train-records", type=int, default=None)
    lm.add_argument("--seed", type=int, default=None)
    lm.set_defaults(func=cmd_train_repair_lm)

    e = sub.add_parser("eval", help="compare the detectors on real and synthetic test splits")
    _data_options(e)
    e.add_argument("--out", type=Path, default=None, help="results JSON")
    e.add_argument("--plots", type=Path, default=None)
    e.add_argument("--synthetic-test", type=int, default=120,
                   help="synthetic test records (each gives a buggy and a clean case)")
    e.add_argument("--without-lm", action="store_true",
                   help="only the systems that need no language model (fast: use with "
                   "--real-fixes 0 --clean-limit 0 for every real case)")
    e.add_argument("--without-zero-shot", action="store_true",
                   help="every system but the LM alone (the LM then reads only the buggy "
                   "cases, to choose the product's repairs: use for every real case)")
    e.add_argument("--results-copy", type=Path, default=None,
                   help="second copy of the results JSON (default: benchmarks/results/"
                   "bugmodel_eval.json)")
    e.set_defaults(func=cmd_eval, real_fixes=120, clean_limit=150)

    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
