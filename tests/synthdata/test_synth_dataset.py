"""Corpus discovery, package splits, and the dataset writer/reader round trip."""

from __future__ import annotations

import json
from pathlib import Path

from synthdata.corpus import extract_functions, normalised_hash, site_package_files, split_of
from synthdata.dataset import BuildConfig, Record, build, iter_records, load_manifest

MODULE = '''import os


def join_all(parts, sep):
    out = ""
    for i in range(len(parts)):
        if i > 0:
            out = out + sep
        out = out + parts[i]
    return out


class Box:
    def __init__(self, width, height):
        self.width = width
        self.height = height

    def area(self):
        return self.width * self.height

    def fits(self, other):
        return self.width <= other.width and self.height <= other.height
'''


def make_site_packages(root: Path, packages: list[str]) -> Path:
    """A fake site-packages with one distribution (METADATA + RECORD) per package."""
    site = root / "site-packages"
    for name in packages:
        (site / name).mkdir(parents=True)
        files = []
        for i in range(3):
            text = MODULE.replace("join_all", f"join_all_{name}_{i}").replace(
                "Box", f"Box{i}{name.title()}")
            (site / name / f"mod{i}.py").write_text(text)
            files.append(f"{name}/mod{i}.py")
        dist = site / f"{name}-1.0.dist-info"
        dist.mkdir()
        (dist / "METADATA").write_text(
            f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\nLicense-Expression: MIT\n")
        (dist / "RECORD").write_text("".join(f"{f},,\n" for f in files))
    return site


def test_split_is_a_function_of_the_package_alone():
    """The same package always lands in the same split; all three splits occur."""
    assert split_of("requests") == split_of("requests")
    assert {split_of(f"pkg{i}") for i in range(200)} == {"train", "val", "test"}


def test_normalised_hash_ignores_comment_lines_blank_lines_and_indentation():
    """Re-indenting a file or adding comment lines does not make it look new."""
    a = "def f(x):\n    # note\n    return x\n"
    b = "    def f(x):\n\n        return x\n"
    assert normalised_hash(a) == normalised_hash(b)
    assert normalised_hash(a) != normalised_hash("def f(y):\n    return y\n")


def test_methods_are_dedented_and_carry_their_class_header():
    """Methods come out as valid standalone functions with `class ...:` as context."""
    functions = extract_functions(MODULE)
    names = [f.text.split("(")[0] for f in functions]
    assert names == ["def join_all", "def __init__", "def area", "def fits"]
    assert functions[2].context == "class Box:"
    assert functions[2].text.startswith("def area(self):\n    return")
    assert functions[0].first_line == 4


def test_site_packages_files_record_package_and_license(tmp_path):
    """Each file knows its distribution and license."""
    site = make_site_packages(tmp_path, ["alpha"])
    files = list(site_package_files(site))
    assert [f.path for f in files] == ["alpha/alpha/mod0.py", "alpha/alpha/mod1.py",
                                       "alpha/alpha/mod2.py"]
    assert {(f.package, f.license) for f in files} == {("alpha", "MIT")}


def test_build_writes_shards_and_manifest_that_read_back_identically(tmp_path):
    """Records round-trip through the gzipped shards; the manifest counts what was written."""
    packages = [f"pkg{i}" for i in range(12)]
    site = make_site_packages(tmp_path, packages)
    out = tmp_path / "data"
    manifest = build(BuildConfig(out_dir=out, site_dir=site, include_stdlib=False, workers=1,
                                 shard_size=5))
    assert load_manifest(out) == json.loads((out / "manifest.json").read_text())
    total = 0
    for split, info in manifest["splits"].items():
        records = list(iter_records(out, split))
        assert len(records) == info["records"] == sum(info["kinds"].values())
        assert {r.package for r in records} <= set(info["packages"])
        for record in records:
            assert Record.from_json(record.to_json()) == record
            repair = record.buggy_candidates[record.target]
            assert repair.apply(record.buggy) == record.clean
            assert record.license == "MIT"
        total += len(records)
    # Each package has three distinct `join_all_*` functions; the Box methods are identical
    # everywhere, so only their first copy survives deduplication.
    assert total == 12 * 3 + 3
    splits = [set(info["packages"]) for info in manifest["splits"].values()]
    assert not (splits[0] & splits[1] or splits[0] & splits[2] or splits[1] & splits[2])


def test_distributions_of_repositories_reserved_for_acceptance_never_enter_the_corpus(tmp_path):
    """httpx (and its fork httpx2), itsdangerous and django-rest-framework are installed as
    dependencies here, yet their code is reserved for acceptance testing."""
    site = make_site_packages(tmp_path, ["httpx", "httpx2", "itsdangerous",
                                         "djangorestframework", "plainpkg"])
    files = site_package_files(site, BuildConfig(out_dir=tmp_path, site_dir=site).exclude_packages)
    assert {f.package for f in files} == {"plainpkg"}
