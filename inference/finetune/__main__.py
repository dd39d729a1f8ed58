"""``python -m inference.finetune train|evaluate``: Apply's and Tab's LoRA adapters (see each
adapter's MODEL_CARD.md; ``train --config tab-cpu`` trains Tab's)."""

from __future__ import annotations

import argparse
import dataclasses
import json
from pathlib import Path

from inference.engine import DEFAULT_APPLY_ADAPTER, DEFAULT_TAB_ADAPTER
from inference.finetune.config import CONFIGS


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m inference.finetune", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    train = commands.add_parser("train", help="fine-tune and write the adapter")
    train.add_argument("--config", choices=sorted(CONFIGS), default="cpu")
    train.add_argument("--max-steps", type=int, help="override the config's step count")
    train.add_argument("--max-minutes", type=float, help="override the config's time budget")
    train.add_argument("--threads", type=int, help="torch CPU threads")
    train.add_argument("--out", type=Path,
                       help="adapter directory (default: the task's committed adapter)")
    evaluate = commands.add_parser("evaluate", help="base model vs adapter on held-out edits")
    evaluate.add_argument("--task", choices=("apply", "tab"), default="apply")
    evaluate.add_argument("--adapter", type=Path,
                          help="adapter directory (default: the task's committed adapter)")
    evaluate.add_argument("--examples", type=int, default=40)
    evaluate.add_argument("--threads", type=int, help="torch CPU threads")
    evaluate.add_argument("--out", type=Path, help="also write the results as JSON here")
    args = parser.parse_args()
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    if args.command == "train":
        from inference.finetune.train import train as run_training

        overrides = {key: value for key, value in (("max_steps", args.max_steps),
                     ("max_minutes", args.max_minutes), ("threads", args.threads))
                     if value is not None}
        config = dataclasses.replace(CONFIGS[args.config], **overrides)
        out = args.out or Path(DEFAULT_TAB_ADAPTER if config.task == "tab"
                               else DEFAULT_APPLY_ADAPTER)
        summary = run_training(config, out)
        print(f"wrote {out} after {summary['steps']} steps ({summary['minutes']} min)")
    else:
        from inference.finetune.evaluate import evaluate, evaluate_tab

        if args.task == "tab":
            results = evaluate_tab(args.adapter or Path(DEFAULT_TAB_ADAPTER), args.examples)
        else:
            results = evaluate(args.adapter or Path(DEFAULT_APPLY_ADAPTER), args.examples)
        text = json.dumps(results, indent=1)
        if args.out:
            args.out.write_text(text + "\n")
        print(text)


if __name__ == "__main__":
    main()
