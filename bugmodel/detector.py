"""Loading trained weights once per process: model, vocabulary, calibration, device, and, when
chosen (SQUIGGLE_BUG_DETECTOR=cascade), the cascade's head with its own calibration."""

from __future__ import annotations

import hashlib
import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path

import torch
from safetensors.torch import load_file

from bugmodel.model import BugDetector, ModelConfig
from bugmodel.rescorer import Rescorer, load_rescorer
from bugmodel.tokenizer import Vocabulary

WEIGHTS_DIR = Path(__file__).parent / "weights"
DEFAULT_THRESHOLD = 0.5
#: Which system decides: "scratch" (the from-scratch model, calibrated on real dev) or
#: "cascade" (the LM-rescored cascade, `heads/cascade/`). Measured on real test the two tie on
#: top-1 localisation (0.256) while the cascade costs ~100x the time (376 s vs 3.6 s per 1,000
#: changed lines on this 2-core CPU), so the product default is "scratch"; set
#: SQUIGGLE_BUG_DETECTOR=cascade where the LM is cheap (a GPU).
DETECTOR_ENV = "SQUIGGLE_BUG_DETECTOR"
DETECTORS = ("scratch", "cascade")


def chosen_head() -> str | None:
    """The head directory name the product decides with, or None for the from-scratch model."""
    chosen = os.environ.get(DETECTOR_ENV, "scratch").strip().lower() or "scratch"
    if chosen not in DETECTORS:
        raise ValueError(f"{DETECTOR_ENV}={chosen!r}: expected one of {', '.join(DETECTORS)}")
    return None if chosen == "scratch" else chosen

_lock = threading.Lock()
_cache: dict[tuple[str, str, str | None], LoadedDetector] = {}
_versions: dict[tuple[str, str], str] = {}


class WeightsMissing(FileNotFoundError):
    """No trained weights where they were expected (run `python -m bugmodel train`)."""


@dataclass
class LoadedDetector:
    """A ready-to-run model with the temperature and threshold its probabilities use.

    With a `head`, the from-scratch model only proposes candidates and the head (on both
    models' features) decides; `temperature`/`threshold` are then the head's."""

    model: BugDetector
    vocab: Vocabulary
    device: torch.device
    temperature: float
    threshold: float
    model_dir: Path
    head: Rescorer | None = None


def read_calibration(model_dir: Path) -> tuple[float, float]:
    """(temperature, default threshold) from `calibration.json`; (1.0, default) before eval."""
    path = Path(model_dir) / "calibration.json"
    if not path.exists():
        return 1.0, DEFAULT_THRESHOLD
    data = json.loads(path.read_text())
    return float(data["temperature"]), float(data.get("threshold", DEFAULT_THRESHOLD))


def load_detector(model_dir: str | Path | None = None, device: str | None = None,
                  ) -> LoadedDetector:
    """The model in `model_dir` (default: the committed weights), loaded once and cached."""
    directory = Path(model_dir) if model_dir is not None else WEIGHTS_DIR
    if device is None:
        device = "cuda" if torch.cuda.is_available() else "cpu"
    name = chosen_head()
    key = (str(directory.resolve()), device, name)
    with _lock:
        if key in _cache:
            return _cache[key]
        weights = directory / "model.safetensors"
        if not weights.exists():
            raise WeightsMissing(f"no weights at {weights}: run `python -m bugmodel train`")
        config = json.loads((directory / "config.json").read_text())
        model = BugDetector(ModelConfig(**config["model"]))
        model.load_state_dict(load_file(str(weights)))
        model.to(device).eval()
        temperature, threshold = read_calibration(directory)
        head = load_rescorer(directory / "heads" / name) if name else None
        if head is not None:
            temperature = float(head[1].get("temperature", 1.0))
            threshold = float(head[1].get("threshold", DEFAULT_THRESHOLD))
        loaded = LoadedDetector(model, Vocabulary.load(directory / "vocab.json"),
                                torch.device(device), temperature, threshold, directory,
                                head[0] if head is not None else None)
        _cache[key] = loaded
        return loaded


def model_version(model_dir: str | Path | None = None) -> str:
    """Which model decides, for feedback records: the detector's name and the first 12 hex
    digits of its weights' sha256 (e.g. "scratch-3f2a9c01b7de"); "unknown" without weights."""
    directory = Path(model_dir) if model_dir is not None else WEIGHTS_DIR
    name = chosen_head() or "scratch"
    key = (str(directory.resolve()), name)
    with _lock:
        if key not in _versions:
            weights = directory / "model.safetensors"
            if not weights.exists():
                return "unknown"
            digest = hashlib.sha256(weights.read_bytes()).hexdigest()[:12]
            _versions[key] = f"{name}-{digest}"
        return _versions[key]


def forget_loaded() -> None:
    """Drop cached models (after new weights or calibration were written)."""
    with _lock:
        _cache.clear()
        _versions.clear()
