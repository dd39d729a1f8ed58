"""Engine adapters: named per request, decoded exactly, cached apart, loaded only when they fit,
several side by side (Apply's and Tab's)."""

from __future__ import annotations

import logging

import pytest
import torch

from inference.engine import (
    APPLY_ADAPTER,
    TAB_ADAPTER,
    InvalidRequest,
    _load_configured_adapters,
)
from inference.lora import LoraConfig, add_lora, save_adapter
from inference.tiny import tiny_engine

PROMPT = "def area(width, height):\n    return width * height\n"


def random_adapter(directory, seed: int):
    """Write a non-trivial adapter for the seed-0 tiny model to ``directory``."""
    model = tiny_engine(seed=0).model
    config = LoraConfig(rank=4, alpha=8)
    switch = add_lora(model, config)
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for layer in switch.layers:
            layer.lora_b.weight.copy_(torch.randn(layer.lora_b.weight.shape,
                                                  generator=generator) * 0.5)
    save_adapter(model, config, directory)
    return directory


@pytest.fixture(scope="module")
def adapter_dir(tmp_path_factory):
    """A non-trivial adapter for the seed-0 tiny model."""
    return random_adapter(tmp_path_factory.mktemp("adapter"), seed=3)


@pytest.fixture(scope="module")
def other_adapter_dir(tmp_path_factory):
    """Another one, as a second task's fine-tune."""
    return random_adapter(tmp_path_factory.mktemp("other"), seed=4)


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


def test_a_second_adapter_under_a_taken_name_is_refused(adapted, adapter_dir):
    with pytest.raises(ValueError, match="already has an adapter named 'apply'"):
        adapted.load_adapter(APPLY_ADAPTER, adapter_dir)


def test_two_loaded_adapters_each_decode_as_if_loaded_alone(adapter_dir, other_adapter_dir):
    """Apply's and Tab's fine-tunes share one model: each request gets exactly the adapter
    it names (or none), and speculative decoding still emits its greedy tokens."""
    both = tiny_engine(seed=0)
    both.load_adapter(APPLY_ADAPTER, adapter_dir)
    both.load_adapter(TAB_ADAPTER, other_adapter_dir)
    alone = {}
    for name, directory in ((APPLY_ADAPTER, adapter_dir), (TAB_ADAPTER, other_adapter_dir)):
        engine = tiny_engine(seed=0)
        engine.load_adapter(name, directory)
        alone[name] = engine.generate_text(PROMPT, max_new_tokens=40, decoding="greedy",
                                           adapter=name).token_ids
    assert alone[APPLY_ADAPTER] != alone[TAB_ADAPTER]
    base = tiny_engine(seed=0).generate_text(PROMPT, max_new_tokens=40, decoding="greedy")
    assert both.generate_text(PROMPT, max_new_tokens=40).token_ids == base.token_ids
    for name in (APPLY_ADAPTER, TAB_ADAPTER):
        for decoding in ("greedy", "speculative"):
            result = both.generate_text(PROMPT, max_new_tokens=40, decoding=decoding,
                                        draft=PROMPT, adapter=name)
            assert result.token_ids == alone[name], (name, decoding)
    assert not any(switch.active for switch in both.adapters.values())


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
    monkeypatch.delenv("SQUIGGLE_TAB_ADAPTER", raising=False)
    engine = tiny_engine()
    with caplog.at_level(logging.WARNING, logger="inference.engine"):
        _load_configured_adapters(engine)
    assert engine.adapters == {}
    assert "Apply uses the base model" in caplog.text


@pytest.mark.parametrize(("setting", "other", "name"), [
    ("SQUIGGLE_APPLY_ADAPTER", "SQUIGGLE_TAB_ADAPTER", APPLY_ADAPTER),
    ("SQUIGGLE_TAB_ADAPTER", "SQUIGGLE_APPLY_ADAPTER", TAB_ADAPTER)])
def test_each_adapter_setting_chooses_or_disables_it(setting, other, name, adapter_dir,
                                                     monkeypatch):
    monkeypatch.setenv(other, "none")  # the other task's adapter stays out of this test
    monkeypatch.setenv(setting, str(adapter_dir))
    engine = tiny_engine()
    _load_configured_adapters(engine)
    assert list(engine.adapters) == [name]
    monkeypatch.setenv(setting, "none")
    engine = tiny_engine()
    _load_configured_adapters(engine)
    assert engine.adapters == {}
