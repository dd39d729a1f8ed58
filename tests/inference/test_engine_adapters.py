"""Engine adapters: named per request, decoded exactly, cached apart, loaded only when they fit."""

from __future__ import annotations

import logging

import pytest
import torch

from inference.engine import APPLY_ADAPTER, InvalidRequest, _load_apply_adapter
from inference.lora import LoraConfig, add_lora, save_adapter
from inference.tiny import tiny_engine

PROMPT = "def area(width, height):\n    return width * height\n"


@pytest.fixture(scope="module")
def adapter_dir(tmp_path_factory):
    """A non-trivial adapter for the seed-0 tiny model."""
    model = tiny_engine(seed=0).model
    config = LoraConfig(rank=4, alpha=8)
    switch = add_lora(model, config)
    generator = torch.Generator().manual_seed(3)
    with torch.no_grad():
        for layer in switch.layers:
            layer.lora_b.weight.copy_(torch.randn(layer.lora_b.weight.shape,
                                                  generator=generator) * 0.5)
    directory = tmp_path_factory.mktemp("adapter")
    save_adapter(model, config, directory)
    return directory


@pytest.fixture
def adapted(adapter_dir):
    engine = tiny_engine(seed=0)
    engine.load_adapter(APPLY_ADAPTER, adapter_dir)
    return engine


@pytest.mark.parametrize("decoding", ["speculative", "prompt-lookup"])
def test_decoding_with_an_adapter_equals_its_greedy_tokens(adapted, decoding):
    greedy = adapted.generate_text(PROMPT, max_new_tokens=60, decoding="greedy",
                                   adapter=APPLY_ADAPTER)
    other = adapted.generate_text(PROMPT, max_new_tokens=60, decoding=decoding, draft=PROMPT,
                                  adapter=APPLY_ADAPTER)
    assert other.token_ids == greedy.token_ids


def test_only_requests_naming_the_adapter_use_it(adapted):
    base = tiny_engine(seed=0).generate_text(PROMPT, max_new_tokens=40, decoding="greedy")
    assert adapted.generate_text(PROMPT, max_new_tokens=40).token_ids == base.token_ids
    with_adapter = adapted.generate_text(PROMPT, max_new_tokens=40, adapter=APPLY_ADAPTER)
    assert with_adapter.token_ids != base.token_ids
    assert not adapted.adapters[APPLY_ADAPTER].active  # switched off again after the request


def test_an_unknown_adapter_is_an_invalid_request(adapted):
    with pytest.raises(InvalidRequest, match="no adapter named 'tab'"):
        adapted.generate(PROMPT, max_new_tokens=5, adapter="tab")
    with pytest.raises(InvalidRequest, match="loaded: none"):
        tiny_engine().warm(PROMPT, adapter=APPLY_ADAPTER)


def test_a_second_adapter_is_refused(adapted, adapter_dir):
    with pytest.raises(ValueError, match="already has the adapter"):
        adapted.load_adapter("other", adapter_dir)


def test_prefix_cache_entries_belong_to_their_adapter(adapted):
    """The same tokens give different key/value states under a fine-tune: a prefix warmed
    for the base model must not serve an adapter's request, and vice versa."""
    adapted.prefix_cache.clear()
    adapted.warm(PROMPT)
    cold = adapted.generate_text(PROMPT + "#", max_new_tokens=3, adapter=APPLY_ADAPTER)
    assert cold.timings.cached_tokens == 0
    adapted.warm(PROMPT, adapter=APPLY_ADAPTER)
    warm = adapted.generate_text(PROMPT + "#", max_new_tokens=3, adapter=APPLY_ADAPTER)
    assert warm.timings.cached_tokens == len(adapted.encode(PROMPT))
    assert warm.token_ids == cold.token_ids


def test_the_switch_is_off_again_when_a_forward_pass_fails(adapted):
    with pytest.raises(RuntimeError, match="boom"), adapted.using(APPLY_ADAPTER):
        assert adapted.adapters[APPLY_ADAPTER].active
        raise RuntimeError("boom")
    assert not adapted.adapters[APPLY_ADAPTER].active


def test_the_apply_adapter_is_skipped_with_a_warning_when_it_does_not_fit(caplog, monkeypatch):
    """The committed adapter belongs to the default model; another model runs Apply bare."""
    monkeypatch.delenv("SQUIGGLE_APPLY_ADAPTER", raising=False)
    engine = tiny_engine()
    with caplog.at_level(logging.WARNING, logger="inference.engine"):
        _load_apply_adapter(engine)
    assert engine.adapters == {}
    assert "Apply uses the base model" in caplog.text


def test_the_apply_adapter_setting_chooses_or_disables_it(adapter_dir, monkeypatch):
    monkeypatch.setenv("SQUIGGLE_APPLY_ADAPTER", str(adapter_dir))
    engine = tiny_engine()
    _load_apply_adapter(engine)
    assert list(engine.adapters) == [APPLY_ADAPTER]
    monkeypatch.setenv("SQUIGGLE_APPLY_ADAPTER", "none")
    engine = tiny_engine()
    _load_apply_adapter(engine)
    assert engine.adapters == {}
