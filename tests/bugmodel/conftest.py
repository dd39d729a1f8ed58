"""A tiny dataset and a tiny trained (and evaluated) model, shared by the bugmodel tests."""

from __future__ import annotations

import sysconfig
from pathlib import Path

import pytest

from bugmodel.model import CONFIGS
from synthdata.corpus import split_of
from synthdata.dataset import BuildConfig, build

# Small, varied stdlib modules copied into fake distributions.
STDLIB_MODULES = ["textwrap", "bisect", "heapq", "colorsys", "fnmatch", "shlex", "glob",
                  "getopt", "calendar", "difflib"]


def _package_names() -> list[str]:
    """Names that put at least two packages into each split (the split hashes the name)."""
    chosen: dict[str, list[str]] = {"train": [], "val": [], "test": []}
    i = 0
    while min(len(v) for v in chosen.values()) < 2 or len(chosen["train"]) < 6:
        name = f"tinypkg{i}"
        split = split_of(name)
        if len(chosen[split]) < (6 if split == "train" else 2):
            chosen[split].append(name)
        i += 1
    return [n for names in chosen.values() for n in names]


def make_site_packages(root: Path) -> Path:
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    site = root / "site-packages"
    for i, name in enumerate(_package_names()):
        module = STDLIB_MODULES[i % len(STDLIB_MODULES)]
        (site / name).mkdir(parents=True)
        (site / name / f"{module}.py").write_text((stdlib / f"{module}.py").read_text())
        dist = site / f"{name}-1.0.dist-info"
        dist.mkdir()
        (dist / "METADATA").write_text(
            f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\nLicense-Expression: PSF-2.0\n")
        (dist / "RECORD").write_text(f"{name}/{module}.py,,\n")
    return site


@pytest.fixture(scope="session", autouse=True)
def _one_torch_thread():
    """Tiny models gain nothing from threads, and on a busy CPU two threads spin-wait."""
    import torch

    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


@pytest.fixture(scope="session")
def tiny_data(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("bugdata")
    out = root / "data"
    build(BuildConfig(out_dir=out, site_dir=make_site_packages(root), include_stdlib=False,
                      workers=1))
    return out


@pytest.fixture(scope="session")
def tiny_model(tiny_data, tmp_path_factory) -> Path:
    """Weights of the tiny configuration, trained for a few steps and calibrated by eval."""
    from bugmodel.evaluate import evaluate
    from bugmodel.train import train

    root = tmp_path_factory.mktemp("bugrun")
    weights = root / "weights"
    train(CONFIGS["tiny"], tiny_data, root / "run", weights)
    evaluate(weights, tiny_data, root / "eval.json", root / "plots", test_records=40,
             val_records=40, real_files=3, baseline_samples=0)
    return weights
