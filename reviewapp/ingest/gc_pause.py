"""A context manager that pauses Python's cyclic garbage collector around bulk allocation."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Pause the cyclic GC while building many objects that form no cycles (diff lines, ASTs).

    Each allocation burst otherwise triggers collections that walk the whole heap (millions
    of objects once torch is imported): parsing a 100k-line diff measured 0.25 s with the GC
    paused against 0.5-1.2 s without. Reference counting still frees everything; only the
    cycle detector waits. The previous state is restored, so nesting is safe.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
