"""KV-cache reuse across requests: an LRU of computed prompt prefixes keyed by their tokens.

A request whose prompt shares its first L tokens with a stored entry starts from a copy of that
entry cropped to L tokens and only runs the model on the rest. Entries are `DynamicCache`
objects; a copy is cheap because `DynamicLayer.update` rebinds ``keys``/``values`` to a new
``torch.cat`` result instead of writing in place, so a shallow per-layer copy never changes
the stored tensors, and cropping (``crop`` with a *negative* count, transformers 5.x) is a
slice. Only caches made of plain `DynamicLayer`s are stored (sliding-window or linear
attention layers drop states and cannot be cropped back).

Memory is bounded by the total bytes of stored key/value tensors; the least recently used
entries go first. An entry whose tokens are a prefix of a newer one is dropped, because the
newer one serves every request the older one could. Entries live in a ``namespace`` (the
engine uses one per adapter: the same tokens give different states under a fine-tune); lookups
only see their own namespace, while the byte bound and LRU order are shared.
"""

from __future__ import annotations

import copy
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from transformers import DynamicCache

__all__ = [
    "PrefixCache",
    "PrefixCacheStats",
    "cache_nbytes",
    "clone_cache",
    "common_prefix_length",
    "is_reusable",
]


def is_reusable(cache: DynamicCache) -> bool:
    """True when every layer is a plain `DynamicLayer` (safe to share and crop)."""
    from transformers.cache_utils import DynamicLayer

    return all(type(layer) is DynamicLayer for layer in cache.layers)


def clone_cache(cache: DynamicCache, length: int | None = None) -> DynamicCache:
    """A copy of ``cache`` (optionally cropped to ``length`` tokens) sharing its tensors."""
    clone = copy.copy(cache)
    clone.layers = [copy.copy(layer) for layer in cache.layers]
    if length is not None:
        drop = cache.get_seq_length() - length
        if drop < 0:
            raise ValueError(f"cannot crop a {cache.get_seq_length()}-token cache to {length}")
        if drop:
            clone.crop(-drop)
    return clone


def cache_nbytes(cache: DynamicCache) -> int:
    """Bytes held by the key/value tensors of ``cache`` (as viewed, not underlying storage)."""
    total = 0
    for layer in cache.layers:
        for tensor in (getattr(layer, "keys", None), getattr(layer, "values", None)):
            if tensor is not None:
                total += tensor.numel() * tensor.element_size()
    return total


def common_prefix_length(a: Sequence[int], b: Sequence[int]) -> int:
    """Number of leading tokens ``a`` and ``b`` share."""
    n = min(len(a), len(b))
    for i in range(n):
        if a[i] != b[i]:
            return i
    return n


@dataclass
class PrefixCacheStats:
    """Counters for observing the cache (tests and the benchmark read them)."""

    lookups: int = 0
    hits: int = 0
    reused_tokens: int = 0
    stored: int = 0
    evicted: int = 0


Key = tuple[str | None, tuple[int, ...]]  #: (namespace, tokens); None: the base model


class PrefixCache:
    """Thread-safe LRU of KV caches keyed by token prefix, bounded by total bytes."""

    def __init__(self, max_bytes: int = 1 << 30) -> None:
        self.max_bytes = max_bytes
        self._entries: OrderedDict[Key, tuple[DynamicCache, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.stats = PrefixCacheStats()

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def nbytes(self) -> int:
        """Bytes currently held."""
        return self._bytes

    def lookup(
        self, tokens: Sequence[int], limit: int | None = None, namespace: str | None = None
    ) -> tuple[int, DynamicCache | None]:
        """Longest cached prefix of ``tokens`` (at most ``limit``): ``(length, private copy)``.

        Returns ``(0, None)`` on a miss. The copy may be extended freely by the caller.
        """
        limit = len(tokens) if limit is None else min(limit, len(tokens))
        with self._lock:
            self.stats.lookups += 1
            best_key, best_len = self._longest(tokens, limit, namespace)
            if best_key is None:
                return 0, None
            self._entries.move_to_end(best_key)
            cache = self._entries[best_key][0]
            self.stats.hits += 1
            self.stats.reused_tokens += best_len
        return best_len, clone_cache(cache, best_len)

    def cached_length(self, tokens: Sequence[int], namespace: str | None = None) -> int:
        """How many leading ``tokens`` a lookup would reuse (no copy, no statistics)."""
        with self._lock:
            return self._longest(tokens, len(tokens), namespace)[1]

    def _longest(self, tokens: Sequence[int], limit: int,
                 namespace: str | None) -> tuple[Key | None, int]:
        best_key, best_len = None, 0
        for key in self._entries:
            space, stored = key
            if space != namespace:
                continue
            n = min(common_prefix_length(stored, tokens[: len(stored)]), limit)
            if n > best_len:
                best_key, best_len = key, n
        return best_key, best_len

    def store(self, tokens: Sequence[int], cache: DynamicCache,
              namespace: str | None = None) -> bool:
        """Keep ``cache`` (holding exactly ``tokens``) for later lookups; False if not kept."""
        new = tuple(tokens)
        key = (namespace, new)
        if not new or cache.get_seq_length() != len(new) or not is_reusable(cache):
            return False
        size = cache_nbytes(cache)
        if size > self.max_bytes:
            return False
        entry = clone_cache(cache)  # the caller keeps extending its own object
        with self._lock:
            for other in list(self._entries):
                space, old = other
                if space != namespace:
                    continue
                if len(old) <= len(new) and new[: len(old)] == old:
                    self._drop(other)  # subsumed by the new entry
                elif len(old) > len(new) and old[: len(new)] == new:
                    self._entries.move_to_end(other)
                    return False  # already covered by a longer entry
            self._entries[key] = (entry, size)
            self._bytes += size
            self.stats.stored += 1
            while self._bytes > self.max_bytes and self._entries:
                self._drop(next(iter(self._entries)))
                self.stats.evicted += 1
        return True

    def clear(self) -> None:
        """Forget every entry."""
        with self._lock:
            self._entries.clear()
            self._bytes = 0

    def _drop(self, key: Key) -> None:
        _, size = self._entries.pop(key)
        self._bytes -= size
