"""Squiggle's inference engine: model loading, speculative edits, prefix cache, scoring.

Heavy modules (torch, transformers) are imported lazily, so ``import inference`` is cheap.
"""

from __future__ import annotations

import importlib
from typing import Any

# public name -> submodule that defines it
_EXPORTS = {
    "ModelUnavailable": "inference.loading",
    "load_lm": "inference.loading",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'inference' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
