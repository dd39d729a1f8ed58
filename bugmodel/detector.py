"""Loading trained weights once per process: model, vocabulary, calibration, device, and the
line ranker that decides (SQUIGGLE_BUG_DETECTOR: `line_ranker` by default, or `scratch`) with
its own calibration."""

from __future__ import annotations

import hashlib
import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path

import torch
from safetensors.torch import load_file

from bugmodel.line_ranker import LineRanker, load_line_ranker
from bugmodel.model import BugDetector, ModelConfig
from bugmodel.tokenizer import Vocabulary

WEIGHTS_DIR = Path(__file__).parent / "weights"
DEFAULT_THRESHOLD = 0.5
#: Which system decides: "line_ranker" (phase 2 on real fixes: picks the line, the from-scratch
#: model the repair) or "scratch" (the from-scratch model alone). `python -m bugmodel eval`
#: compares them with the language model alone; the model card says why the default is the
#: default.
DETECTOR_ENV = "SQUIGGLE_BUG_DETECTOR"
DETECTORS = ("line_ranker", "scratch")


def chosen_head() -> str | None:
    """The head directory name the product decides with, or None for the from-scratch model."""
    chosen = os.environ.get(DETECTOR_ENV, DETECTORS[0]).strip().lower() or DETECTORS[0]
    if chosen not in DETECTORS:
        removed = (" (the LM cascade was removed: it lost to the line ranker on real code at "
                   "~1,000x the cost, bugmodel/MODEL_CARD.md)" if chosen == "cascade" else "")
        raise ValueError(f"{DETECTOR_ENV}={chosen!r}: expected one of "
                         f"{', '.join(DETECTORS)}{removed}")
    return None if chosen == "scratch" else chosen

_lock = threading.Lock()
_cache: dict[tuple[str, str, str | None], LoadedDetector] = {}
_versions: dict[tuple[str, str], str] = {}


class WeightsMissing(FileNotFoundError):
    """No trained weights where they were expected (run `python -m bugmodel train`)."""


@dataclass
class LoadedDetector:
    """A ready-to-run model with the temperature and threshold its probabilities use.

    With a `ranker`, the from-scratch model's verdicts are features and the ranker decides;
    `temperature`/`threshold` are then the ranker's."""

    model: BugDetector
    vocab: Vocabulary
    device: torch.device
    temperature: float
    threshold: float
    model_dir: Path
    ranker: LineRanker | None = None


def read_calibration(model_dir: Path) -> tuple[float, float]:
    """(temperature, default threshold) from `calibration.json`; (1.0, default) before eval."""
    path = Path(model_dir) / "calibration.json"
    if not path.exists():
        return 1.0, DEFAULT_THRESHOLD
    data = json.loads(path.read_text())
    return float(data["temperature"]), float(data.get("threshold", DEFAULT_THRESHOLD))


def load_detector(model_dir: str | Path | None = None, device: str | None = None,
                  from_scratch_only: bool = False) -> LoadedDetector:
    """The model in `model_dir` (default: the committed weights) with the chosen ranker,
    loaded once and cached; `from_scratch_only` leaves it out (what training it reads)."""
    directory = Path(model_dir) if model_dir is not None else WEIGHTS_DIR
    if device is None:
        device = "cuda" if torch.cuda.is_available() else "cpu"
    name = None if from_scratch_only else chosen_head()
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
        ranker = load_line_ranker(directory / "heads" / name) if name else None
        if ranker is not None:
            temperature = float(ranker[1].get("temperature", 1.0))
            threshold = float(ranker[1].get("threshold", DEFAULT_THRESHOLD))
        loaded = LoadedDetector(model, Vocabulary.load(directory / "vocab.json"),
                                torch.device(device), temperature, threshold, directory,
                                ranker[0] if ranker is not None else None)
        _cache[key] = loaded
        return loaded


def model_version(model_dir: str | Path | None = None) -> str:
    """Which model decides, for feedback records: the detector's name and the first 12 hex
    digits of the sha256 of its weights, the head's included (e.g. "scratch-3f2a9c01b7de");
    "unknown" without weights."""
    directory = Path(model_dir) if model_dir is not None else WEIGHTS_DIR
    name = chosen_head() or "scratch"
    key = (str(directory.resolve()), name)
    with _lock:
        if key not in _versions:
            weights = directory / "model.safetensors"
            if not weights.exists():
                return "unknown"
            head = sorted((directory / "heads" / name).glob("*.safetensors"))
            digest = hashlib.sha256(b"".join(p.read_bytes() for p in [weights, *head]))
            _versions[key] = f"{name}-{digest.hexdigest()[:12]}"
        return _versions[key]


def forget_loaded() -> None:
    """Drop cached models (after new weights or calibration were written)."""
    with _lock:
        _cache.clear()
        _versions.clear()
