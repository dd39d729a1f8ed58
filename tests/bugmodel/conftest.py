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


@pytest.fixture(autouse=True)
def _detector_chooses_repairs_alone(monkeypatch):
    """Detection here is the tiny detector's own: the LM's choice of repair would load the real
    LM into every test that detects (`test_repair_choice.py` tests that choice)."""
    monkeypatch.setenv("SQUIGGLE_BUG_REPAIR_LM", "off")


@pytest.fixture(scope="session")
def tiny_data(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("bugdata")
    out = root / "data"
    build(BuildConfig(out_dir=out, site_dir=make_site_packages(root), include_stdlib=False,
                      workers=1))
    return out


@pytest.fixture(scope="session")
def tiny_lm():
    """A tiny random Llama engine: the LM stages' mechanics in milliseconds (not its quality)."""
    from inference.tiny import tiny_engine

    return tiny_engine()


@pytest.fixture(scope="session")
def tiny_model(tiny_data, tiny_lm, tmp_path_factory) -> Path:
    """Weights of the tiny configuration, trained for a few steps and calibrated by eval."""
    from bugmodel.evaluate import evaluate
    from bugmodel.train import train

    root = tmp_path_factory.mktemp("bugrun")
    weights = root / "weights"
    train(CONFIGS["tiny"], tiny_data, root / "run", weights)
    evaluate(weights, tiny_data, root / "eval.json", root / "plots", synthetic_test=10,
             real_dir=root / "no-real-data", results_copy=None, engine=tiny_lm)
    return weights


def _fix_row(repo: str, split: str, kind: str, before: str, buggy: str, fixed: str) -> dict:
    """A mined-fix record (the miner's contract) replacing the first `buggy` in `before`."""
    start = before.index(buggy)
    line = before[:start].count("\n") + 1
    col = start - (before.rfind("\n", 0, start) + 1)
    end = start + len(buggy)
    end_line = before[:end].count("\n") + 1
    end_col = end - (before.rfind("\n", 0, end) + 1)
    return {"id": f"{repo}-{line}", "repo": repo, "commit": "0" * 40, "date": "2024-01-01",
            "license": "MIT", "split": split, "path": "pkg/mod.py", "message": "fix bug",
            "kind": kind, "file_before": before, "func_name": "f", "func_start": 1,
            "func_end": before.rstrip("\n").count("\n") + 1, "bug_line": line,
            "bug_end_line": end_line, "bug_col": col, "bug_end_col": end_col,
            "buggy_code": buggy, "fixed_code": fixed, "file_after_func": ""}


REAL_FIXES = [
    ("train", "off_by_one", "def f(items, n):\n    out = []\n    for i in range(n, len(items) - 1):"
     "\n        out.append(items[i])\n    return out\n", "len(items) - 1", "len(items)"),
    ("train", "comparison", "def f(count, limit):\n    if count > limit:\n        return True\n"
     "    return False\n", ">", ">="),
    ("dev", "negation", "def f(path):\n    if not path.exists():\n        return path.read()\n"
     "    return None\n", "not ", ""),
    ("dev", "other", "def f(self):\n    name = self.name.lower()\n    return name\n",
     "lower", "casefold"),
    ("test", "comparison", "def f(xs, k):\n    total = 0\n    for x in xs:\n        if x < k:\n"
     "            total += x\n    return total\n", "<", "<="),
    ("test", "variable_misuse", "def f(total, count, items):\n    count = len(items)\n"
     "    return total / items\n", "/ items", "/ count"),
]
#: Small programs with one known bug (faulty, accepted), a train and a dev one.
SMALL_PROGRAMS = [
    ("n = int(input())\nxs = list(map(int, input().split()))\nprint(sum(xs[:n - 1]))\n",
     "n = int(input())\nxs = list(map(int, input().split()))\nprint(sum(xs[:n]))\n"),
    ("a, b = map(int, input().split())\nif a > b:\n    print(a)\nelse:\n    print(b)\n",
     "a, b = map(int, input().split())\nif a < b:\n    print(a)\nelse:\n    print(b)\n"),
]
CLEAN = "def g(a, b):\n    if a is None:\n        return b\n    return a + b\n"


def write_real_data(directory: Path) -> Path:
    """Hand-made fixes and clean functions in the miner's format, two repositories a split."""
    import gzip
    import json

    from benchmarks.small_programs_data import small_program_case

    directory.mkdir(parents=True, exist_ok=True)
    with gzip.open(directory / "fixes.jsonl.gz", "wt") as out:
        for i, (split, kind, before, buggy, fixed) in enumerate(REAL_FIXES):
            out.write(json.dumps(_fix_row(f"org/repo{i}", split, kind, before, buggy, fixed))
                      + "\n")
    with gzip.open(directory / "small_programs.jsonl.gz", "wt") as out:
        for split, (faulty, accepted) in zip(("train", "dev"), SMALL_PROGRAMS, strict=True):
            case = small_program_case(f"Code/abc1_{split}/Python/1", faulty, accepted)
            out.write(json.dumps({**case, "split": split}) + "\n")
    with gzip.open(directory / "clean.jsonl.gz", "wt") as out:
        for i, split in enumerate(["train", "train", "dev", "dev", "test", "test"]):
            out.write(json.dumps({"repo": f"org/repo{i}", "commit": "1" * 40, "license": "MIT",
                                  "split": split, "path": "pkg/other.py", "func_name": "g",
                                  "func_start": 1, "func_end": 4, "source": CLEAN,
                                  "file_context": ""}) + "\n")
    return directory


@pytest.fixture(scope="session")
def tiny_real(tmp_path_factory) -> Path:
    return write_real_data(tmp_path_factory.mktemp("real"))


@pytest.fixture(scope="session")
def tiny_evaluated(tiny_model, tiny_data, tiny_real, tiny_lm, tmp_path_factory) -> Path:
    """A copy of the tiny model with the line ranker trained (phase 2) and every system
    evaluated (the LM's verdicts from the tiny LM)."""
    import shutil

    from bugmodel.evaluate import evaluate
    from bugmodel.line_ranker import LineRankerConfig
    from bugmodel.train_real import train_line_ranker

    root = tmp_path_factory.mktemp("evaluated")
    weights = root / "weights"
    shutil.copytree(tiny_model, weights)
    train_line_ranker(weights, tiny_real, tiny_data,
                      LineRankerConfig(epochs=2, synthetic_records=4),
                      weights / "heads" / "line_ranker")
    evaluate(weights, tiny_data, root / "eval.json", root / "plots", synthetic_test=6,
             real_fixes=None, clean_limit=None, real_dir=tiny_real, features_dir=root / "features",
             results_copy=None, engine=tiny_lm)
    return weights
