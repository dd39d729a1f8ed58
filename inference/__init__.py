"""Squiggle's inference engine: model loading, speculative edits, prefix cache, scoring.

Heavy modules (torch, transformers) are imported lazily, so ``import inference`` is cheap.
"""

from __future__ import annotations

import importlib
import os
from typing import Any

# On a shared, oversubscribed CPU, OpenMP's default spin-waiting makes 2-thread forward passes
# ~10x slower than 1 thread (measured: 240-token prefill 20 s vs 1.7 s). Passive waiting fixes
# it; it only takes effect if set before torch is first imported.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

# public name -> submodule that defines it
_EXPORTS = {
    "DECODINGS": "inference.engine",
    "Engine": "inference.engine",
    "Generation": "inference.engine",
    "GenerationResult": "inference.engine",
    "InvalidRequest": "inference.engine",
    "ModelUnavailable": "inference.loading",
    "Part": "inference.prompt",
    "PromptBudgetExceeded": "inference.prompt",
    "PromptTooLong": "inference.engine",
    "RenderedPrompt": "inference.prompt",
    "ScoreRequest": "inference.span_scoring",
    "SpanScore": "inference.span_scoring",
    "Timings": "inference.engine",
    "get_engine": "inference.engine",
    "load_lm": "inference.loading",
    "render": "inference.prompt",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'inference' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
