"""Secrets Squiggle writes itself (the Django key, the local login), owner-only and whole.

A secret is written to a temporary file that `mkstemp` creates owner-only, then moved into place
in one step: no reader ever sees it with wider permissions, half written, or empty (a web process
and a worker starting together both read the generated key).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_secret(path: Path, text: str, *, replace: bool) -> bool:
    """Write `text` to `path` (mode 0600). With replace=False an existing file wins.

    Returns whether this call's text is the one now at `path`.
    """
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(descriptor, "w") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        if replace:
            os.replace(temporary, path)
            return True
        try:
            os.link(temporary, path)  # fails if another process put its secret there first
        except FileExistsError:
            return False
        return True
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
