"""Prefix cache: longest-prefix reuse, private copies, LRU eviction by bytes, exact results."""

from __future__ import annotations

import pytest
import torch

from inference.prefix_cache import PrefixCache, cache_nbytes, clone_cache, common_prefix_length
from inference.tiny import tiny_engine


@pytest.fixture(scope="module")
def tiny():
    return tiny_engine(seed=0)


def computed(engine, tokens):
    """A fresh KV cache holding exactly ``tokens``."""
    cache = engine.new_cache()
    engine.forward(tokens, cache, keep=1)
    return cache


def test_common_prefix_length_counts_leading_agreement():
    """The shared prefix ends at the first differing token or the shorter sequence."""
    assert common_prefix_length([1, 2, 3], [1, 2, 4]) == 2
    assert common_prefix_length([1, 2], [1, 2, 3]) == 2
    assert common_prefix_length([], [1]) == 0


def test_lookup_returns_the_longest_shared_prefix(tiny):
    """Among entries, the one sharing the most leading tokens wins, cropped to that length."""
    cache = PrefixCache()
    cache.store(list(range(10, 30)), computed(tiny, list(range(10, 30))))
    cache.store(list(range(10, 15)) + [99] * 10, computed(tiny, list(range(10, 15)) + [99] * 10))
    length, copy = cache.lookup(list(range(10, 25)) + [7, 7])
    assert length == 15
    assert copy.get_seq_length() == 15
    assert cache.lookup([1, 2, 3]) == (0, None)


def test_cached_length_reports_what_a_lookup_would_reuse_without_counting_it(tiny):
    """The peek agrees with lookup's length and leaves the hit statistics alone."""
    tokens = list(range(10, 30))
    cache = PrefixCache()
    cache.store(tokens, computed(tiny, tokens))
    assert cache.cached_length(tokens[:12] + [5, 5]) == 12
    assert cache.cached_length([1, 2]) == 0
    assert cache.stats.lookups == 0


def test_lookup_honours_the_limit(tiny):
    """A limit caps the reused length (the engine keeps the last prompt token to compute)."""
    tokens = list(range(40, 60))
    cache = PrefixCache()
    cache.store(tokens, computed(tiny, tokens))
    length, copy = cache.lookup(tokens, limit=len(tokens) - 1)
    assert length == copy.get_seq_length() == 19


def test_extending_a_copy_leaves_the_stored_entry_intact(tiny):
    """Decoding on a looked-up copy never changes what later lookups get."""
    tokens = list(range(60, 90))
    cache = PrefixCache()
    cache.store(tokens, computed(tiny, tokens))
    _, first = cache.lookup(tokens, limit=20)
    tiny.forward([1, 2, 3, 4, 5], first, keep=1)
    assert first.get_seq_length() == 25
    _, second = cache.lookup(tokens)
    reference = computed(tiny, tokens)
    assert second.get_seq_length() == 30
    for ours, theirs in zip(second.layers, reference.layers, strict=True):
        assert torch.equal(ours.keys, theirs.keys) and torch.equal(ours.values, theirs.values)


def test_reused_prefix_gives_the_same_logits_as_computing_it(tiny):
    """Logits after a reused, cropped prefix equal those from scratch (float32 tolerance)."""
    prompt = tiny.encode("def f(x):\n    return x * 2\n")
    cache = PrefixCache()
    cache.store(prompt + [5, 6, 7], computed(tiny, prompt + [5, 6, 7]))
    length, reused = cache.lookup(prompt, limit=len(prompt) - 1)
    from_cache = tiny.forward(prompt[length:], reused, keep=1)
    from_scratch = tiny.forward(prompt, tiny.new_cache(), keep=1)
    assert torch.allclose(from_cache, from_scratch, atol=1e-4)
    assert int(from_cache.argmax()) == int(from_scratch.argmax())


def test_least_recently_used_entries_are_evicted_by_bytes(tiny):
    """When stored bytes exceed the bound, the least recently used entry goes first."""
    a, b, c = ([t] * 50 for t in (1, 2, 3))
    size = cache_nbytes(computed(tiny, a))
    cache = PrefixCache(max_bytes=2 * size)
    cache.store(a, computed(tiny, a))
    cache.store(b, computed(tiny, b))
    cache.lookup(a)  # a is now more recent than b
    cache.store(c, computed(tiny, c))
    assert len(cache) == 2 and cache.nbytes <= 2 * size
    assert cache.lookup(b) == (0, None)
    assert cache.lookup(a)[0] == 50 and cache.lookup(c)[0] == 50
    assert cache.stats.evicted == 1


def test_a_longer_entry_replaces_its_prefix(tiny):
    """Storing an extension of an entry drops the shorter one; storing a prefix of an
    existing entry adds nothing."""
    tokens = list(range(100, 140))
    cache = PrefixCache()
    assert cache.store(tokens[:20], computed(tiny, tokens[:20]))
    assert cache.store(tokens, computed(tiny, tokens))
    assert len(cache) == 1
    assert not cache.store(tokens[:30], computed(tiny, tokens[:30]))
    assert cache.lookup(tokens[:30])[0] == 30


def test_mismatched_or_oversized_entries_are_not_stored(tiny):
    """An entry whose length differs from its tokens, or larger than the bound, is refused."""
    tokens = list(range(10))
    cache = PrefixCache(max_bytes=10)
    assert not cache.store(tokens, computed(tiny, tokens))
    assert not PrefixCache().store(tokens[:5], computed(tiny, tokens))
    assert len(cache) == 0


def test_clone_can_crop_but_not_grow(tiny):
    """clone_cache crops to a shorter length and refuses a longer one."""
    full = computed(tiny, list(range(20)))
    assert clone_cache(full, 5).get_seq_length() == 5
    assert full.get_seq_length() == 20
    with pytest.raises(ValueError):
        clone_cache(full, 21)


def test_namespaces_keep_entries_apart_but_share_the_byte_bound(tiny):
    """An adapter's entries (its own namespace) never serve the base model, nor subsume its
    entries; the least recently used entry goes first whatever its namespace."""
    tokens = list(range(10, 30))
    one = cache_nbytes(computed(tiny, tokens))
    cache = PrefixCache(max_bytes=2 * one)
    cache.store(tokens, computed(tiny, tokens))
    cache.store(tokens, computed(tiny, tokens), namespace="apply")
    assert len(cache) == 2
    assert cache.lookup(tokens, namespace="tab") == (0, None)
    assert cache.lookup(tokens, namespace="apply")[0] == len(tokens)
    other = list(range(50, 70))
    cache.store(other, computed(tiny, other), namespace="apply")
    assert cache.lookup(tokens)[0] == 0  # the base entry was the least recently used
    assert cache.lookup(tokens, namespace="apply")[0] == len(tokens)
