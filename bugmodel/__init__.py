"""Bug detection: a transformer that scores candidate rewrites of code against NO_BUG.

`detect` loads the committed weights lazily (once per process); importing this package does
not import torch.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bugmodel.detection import DetectResult, Finding, SkippedFile, detect, detect_files

__all__ = ["DetectResult", "Finding", "SkippedFile", "detect", "detect_files"]


def __getattr__(name: str) -> Any:
    # Lazy: torch and the weights load on first use, not when the review pipeline imports us.
    if name in __all__:
        from bugmodel import detection

        value = getattr(detection, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'bugmodel' has no attribute {name!r}")
