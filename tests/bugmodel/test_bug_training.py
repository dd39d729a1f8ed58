"""Training and evaluation loops on the tiny configuration."""

from __future__ import annotations

import dataclasses
import json

from bugmodel.model import CONFIGS
from bugmodel.train import learning_rate, train


def test_training_writes_weights_vocabulary_history_and_loss_plot(tiny_model):
    """A finished run leaves everything `detect` and the model card need."""
    for name in ("model.safetensors", "vocab.json", "config.json", "history.json", "loss.png",
                 "calibration.json"):
        assert (tiny_model / name).is_file(), name
    history = json.loads((tiny_model / "history.json").read_text())
    assert history["train"] and history["val"]
    assert all(0.0 <= v["joint_accuracy"] <= 1.0 for v in history["val"])


def test_resume_continues_from_the_last_checkpoint(tiny_data, tmp_path):
    """Stopping after 10 steps and resuming to 14 ends at step 14, not 24."""
    config = dataclasses.replace(CONFIGS["tiny"], max_steps=10, eval_every=5,
                                 checkpoint_every=5)
    run = tmp_path / "run"
    first = train(config, tiny_data, run, tmp_path / "w1")
    assert first["steps"] == 10
    resumed = train(dataclasses.replace(config, max_steps=14), tiny_data, run, tmp_path / "w2",
                    resume=True)
    assert resumed["steps"] == 14
    history = json.loads((tmp_path / "w2" / "history.json").read_text())
    assert [v["step"] for v in history["val"]][:2] == [5, 10]


def test_learning_rate_warms_up_then_decays_to_a_tenth():
    """Warmup is linear; at the end of the budget the rate is 10% of the peak."""
    config = CONFIGS["tiny"]
    assert learning_rate(config, 0, 0.0) < learning_rate(config, config.warmup_steps - 1, 0.0)
    assert abs(learning_rate(config, 1000, 1.0) - 0.1 * config.lr) < 1e-12


def test_evaluation_without_mined_data_calibrates_on_synthetic_validation(tiny_model):
    """No real fixes: the systems that need no head are compared on the synthetic test split,
    calibrated on synthetic validation records, and the scratch model's calibration saved."""
    results = json.loads((tiny_model.parent / "eval.json").read_text())
    assert results["dev_split"] == "synthetic_val"
    assert set(results["systems"]) == {"scratch", "lm_zero_shot"}
    scratch = results["systems"]["scratch"]["synthetic_test"]
    assert scratch["bugs"] > 0 and set(scratch["per_kind"]) <= set(__import__("synthdata").KINDS)
    assert 0.0 <= scratch["ece_after"] <= 1.0
    calibration = json.loads((tiny_model / "calibration.json").read_text())
    assert calibration["temperature"] > 0 and calibration["fit_on"] == "synthetic_val"
    assert (tiny_model.parent / "plots" / "reliability.png").is_file()


def test_gpu_configuration_uses_the_same_code_with_mixed_precision():
    """The larger configuration is defined (bfloat16 autocast on CUDA) and bigger."""
    gpu, cpu = CONFIGS["gpu"], CONFIGS["cpu"]
    assert gpu.amp and not cpu.amp
    assert gpu.d_model > cpu.d_model and gpu.n_layers > cpu.n_layers
