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

from bugmodel.calibration import FindingCalibration, Scaling
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
    """A ready-to-run model with the scaling its scores use, the curve that turns a finding's
    score into the chance it is right, and the default threshold on that chance.

    With a `ranker`, the from-scratch model's verdicts are features and the ranker decides;
    `scaling`, `finding_calibration` and `threshold` are then the ranker's."""

    model: BugDetector
    vocab: Vocabulary
    device: torch.device
    scaling: Scaling
    threshold: float
    model_dir: Path
    ranker: LineRanker | None = None
    finding_calibration: FindingCalibration = FindingCalibration()


def read_calibration(data: dict) -> tuple[Scaling, float, FindingCalibration]:
    """(scaling, default threshold, finding calibration) from what `eval` wrote
    (`calibration.json`, or a head's metadata); the identity before any eval."""
    scaling = Scaling(float(data.get("temperature", 1.0)), float(data.get("no_bug_offset", 0.0)))
    return (scaling, float(data.get("threshold", DEFAULT_THRESHOLD)),
            FindingCalibration(**data.get("finding_calibration", {})))


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
        ranker = load_line_ranker(directory / "heads" / name) if name else None
        if ranker is not None:
            calibration = ranker[1]
        elif (directory / "calibration.json").exists():
            calibration = json.loads((directory / "calibration.json").read_text())
        else:
            calibration = {}
        scaling, threshold, finding_calibration = read_calibration(calibration)
        loaded = LoadedDetector(model, Vocabulary.load(directory / "vocab.json"),
                                torch.device(device), scaling, threshold, directory,
                                ranker[0] if ranker is not None else None, finding_calibration)
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
