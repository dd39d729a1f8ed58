"""Training: encode the dataset, optimise, checkpoint/resume, save weights and loss curves."""

from __future__ import annotations

import json
import math
import pickle
import random
import sys
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import save_file
from torch.nn import functional as F
from tqdm import tqdm

from bugmodel.candidate_scoring import predict_logits, summarise
from bugmodel.data import Encoded, collate, encode, length_bucketed_batches
from bugmodel.model import BugDetector, TrainConfig, count_parameters
from bugmodel.tokenizer import Vocabulary
from synthdata.dataset import Record, iter_records, load_manifest

WEIGHTS_DIR = Path(__file__).parent / "weights"


def resolve_device(name: str) -> torch.device:
    """`auto` → CUDA when present, else CPU."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)


def _encode_record(args: tuple[Record, Vocabulary, int, int | None, int]) -> list[Encoded]:
    """Clean (target NO_BUG) and buggy samples of one record."""
    record, vocab, max_len, max_candidates, seed = args
    rng = random.Random(seed)
    out = []
    for text, candidates, target in ((record.clean, record.clean_candidates, -1),
                                     (record.buggy, record.buggy_candidates, record.target)):
        sample = encode(vocab, text, candidates, record.context, target, max_len,
                        max_candidates, rng)
        if sample is not None:
            out.append(sample)
    return out


def encode_split(data_dir: Path, split: str, vocab: Vocabulary, max_len: int,
                 max_candidates: int | None, limit: int | None = None, workers: int = 2,
                 cache_dir: Path | None = None) -> list[Encoded]:
    """Encoded samples of a split (two per record: clean then buggy), cached on disk."""
    key = f"{split}-{len(vocab)}-{max_len}-{max_candidates}-{limit}"
    cache = cache_dir / f"{key}.pkl" if cache_dir is not None else None
    if cache is not None and cache.exists():
        return pickle.loads(cache.read_bytes())
    records = list(iter_records(data_dir, split))
    if limit is not None:
        records = random.Random(0).sample(records, min(limit, len(records)))
    jobs = [(r, vocab, max_len, max_candidates, i) for i, r in enumerate(records)]
    samples: list[Encoded] = []
    desc = f"encode {split}"
    if workers > 1 and len(jobs) > 200:
        with ProcessPoolExecutor(workers) as pool:
            for out in tqdm(pool.map(_encode_record, jobs, chunksize=64), total=len(jobs),
                            desc=desc, file=sys.stderr):
                samples.extend(out)
    else:
        for job in tqdm(jobs, desc=desc, file=sys.stderr, disable=len(jobs) < 200):
            samples.extend(_encode_record(job))
    if cache is not None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_bytes(pickle.dumps(samples, protocol=pickle.HIGHEST_PROTOCOL))
    return samples


def build_vocabulary(data_dir: Path, limit: int | None = None) -> Vocabulary:
    """Vocabulary from the training split's clean functions and contexts only."""
    def texts():
        for i, record in enumerate(iter_records(data_dir, "train")):
            if limit is not None and i >= limit:
                return
            yield record.context + "\n" + record.clean
    return Vocabulary.build(texts())


def learning_rate(config: TrainConfig, step: int, progress: float) -> float:
    """Linear warmup, then cosine decay to 10% over the run's progress (steps or time)."""
    if step < config.warmup_steps:
        return config.lr * (step + 1) / config.warmup_steps
    return config.lr * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(1.0, progress))))


def save_weights(model: BugDetector, vocab: Vocabulary, config: TrainConfig, out_dir: Path,
                 extra: dict) -> None:
    """Weights (safetensors), vocabulary and configuration, everything `detect` needs."""
    out_dir.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().to("cpu").contiguous() for k, v in model.state_dict().items()}
    save_file(state, str(out_dir / "model.safetensors"))
    vocab.save(out_dir / "vocab.json")
    (out_dir / "config.json").write_text(json.dumps(
        {"model": model.config.to_dict(), "train": asdict(config), **extra}, indent=1))


def plot_history(history: dict, path: Path) -> None:
    """Loss curves (train, validation) and validation accuracies as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
    if history["train"]:
        steps, losses = zip(*history["train"], strict=True)
        ax1.plot(steps, losses, label="train (running mean)")
    if history["val"]:
        steps = [v["step"] for v in history["val"]]
        ax1.plot(steps, [v["loss"] for v in history["val"]], "o-", label="validation")
        for key in ("joint_accuracy", "localization_accuracy", "no_bug_accuracy"):
            ax2.plot(steps, [v[key] for v in history["val"]], "o-", label=key)
    ax1.set_xlabel("step")
    ax1.set_ylabel("cross-entropy")
    ax1.legend()
    ax2.set_xlabel("step")
    ax2.set_ylim(0, 1)
    ax2.legend()
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def train(config: TrainConfig, data_dir: Path, run_dir: Path, out_dir: Path = WEIGHTS_DIR,
          resume: bool = False, limit_records: int | None = None, plot_path: Path | None = None,
          ) -> dict:
    """Train `config` on the dataset at `data_dir`; returns the training summary."""
    random.seed(config.seed)
    np.random.seed(config.seed)
    torch.manual_seed(config.seed)
    torch.set_num_threads(config.threads)
    device = resolve_device(config.device)
    run_dir.mkdir(parents=True, exist_ok=True)
    manifest = load_manifest(data_dir)
    vocab_path = run_dir / "vocab.json"
    if resume and vocab_path.exists():
        vocab = Vocabulary.load(vocab_path)
    else:
        vocab = build_vocabulary(data_dir, limit_records)
        vocab.save(vocab_path)
    cache = run_dir.parent / "cache"
    train_samples = encode_split(data_dir, "train", vocab, config.max_len, config.max_candidates,
                                 limit_records, cache_dir=cache)
    val_samples = encode_split(data_dir, "val", vocab, config.max_len, None,
                               config.val_samples // 2, cache_dir=cache)
    if not train_samples or not val_samples:
        raise ValueError(f"dataset at {data_dir} has no usable train/val samples")
    model = BugDetector(config.model_config(len(vocab))).to(device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.lr,
                                  weight_decay=config.weight_decay)
    state = {"step": 0, "epoch": 0, "batch_in_epoch": 0, "elapsed": 0.0,
             "history": {"train": [], "val": []}}
    checkpoint = run_dir / "checkpoint.pt"
    if resume and checkpoint.exists():
        # Tensors, numbers and strings only: a checkpoint file can never run code when loaded.
        saved = torch.load(checkpoint, map_location=device, weights_only=True)
        model.load_state_dict(saved["model"])
        optimizer.load_state_dict(saved["optimizer"])
        state = saved["state"]
        print(f"resumed at step {state['step']}", file=sys.stderr)
    print(f"{config.name}: {count_parameters(model):,} parameters, {len(train_samples):,} train "
          f"samples, {len(val_samples):,} val samples, device {device}", file=sys.stderr)

    def save_checkpoint() -> None:
        torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                    "state": state, "config": asdict(config)}, checkpoint)

    budget = config.max_minutes * 60
    started = time.monotonic() - state["elapsed"]
    running = None
    bar = tqdm(total=config.max_steps, initial=state["step"], desc=f"train {config.name}",
               file=sys.stderr)
    done = False
    while not done:
        rng = random.Random(config.seed * 1000 + state["epoch"])
        for index, samples in enumerate(length_bucketed_batches(train_samples, config.batch_size,
                                                                rng)):
            if index < state["batch_in_epoch"]:
                continue  # resuming inside an epoch: same order, skip what was seen
            state["elapsed"] = time.monotonic() - started
            progress = max(state["step"] / config.max_steps, state["elapsed"] / budget)
            if progress >= 1:
                done = True
                break
            for group in optimizer.param_groups:
                group["lr"] = learning_rate(config, state["step"], progress)
            model.train()
            batch = collate(samples).to(device)
            with torch.autocast(device.type, dtype=torch.bfloat16,
                                enabled=config.amp and device.type == "cuda"):
                logits = model(batch)
            loss = F.cross_entropy(logits, batch.target)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            state["step"] += 1
            state["batch_in_epoch"] = index + 1
            running = loss.item() if running is None else 0.98 * running + 0.02 * loss.item()
            bar.update(1)
            bar.set_postfix(loss=f"{running:.3f}")
            if state["step"] % 20 == 0:
                state["history"]["train"].append((state["step"], running))
            if state["step"] % config.eval_every == 0:
                metrics = summarise(predict_logits(model, val_samples, device), val_samples)
                metrics["step"] = state["step"]
                state["history"]["val"].append(metrics)
                bar.write(f"step {state['step']}: " + json.dumps(
                    {k: round(v, 4) for k, v in metrics.items()}), file=sys.stderr)
            if state["step"] % config.checkpoint_every == 0:
                save_checkpoint()
        else:
            state["epoch"] += 1
            state["batch_in_epoch"] = 0
    bar.close()
    final = summarise(predict_logits(model, val_samples, device), val_samples)
    final["step"] = state["step"]
    state["history"]["val"].append(final)
    state["elapsed"] = time.monotonic() - started
    save_checkpoint()
    summary = {"steps": state["step"], "epochs": state["epoch"] + state["batch_in_epoch"] /
               max(1, math.ceil(len(train_samples) / config.batch_size)),
               "minutes": round(state["elapsed"] / 60, 1), "parameters": count_parameters(model),
               "train_samples": len(train_samples), "val": final,
               "data": {"splits": {s: v["records"] for s, v in manifest["splits"].items()}}}
    save_weights(model, vocab, config, out_dir, {"training": summary})
    (out_dir / "history.json").write_text(json.dumps(state["history"]))
    plot_history(state["history"], plot_path or out_dir / "loss.png")
    return summary


def samples_by_split(data_dir: Path, splits: Sequence[str]) -> dict[str, int]:
    """Record counts per split (for reports)."""
    manifest = load_manifest(data_dir)
    return {s: manifest["splits"][s]["records"] for s in splits}
