"""Apply fine-tune examples: real functions, parseable edits, sketches, honest splits."""

from __future__ import annotations

import random

import pytest

from inference.finetune.data import (
    EVALUATION_SOURCES,
    TRAIN_PACKAGES,
    VALIDATION_PACKAGES,
    build_examples,
    edit_function,
    evaluation_fingerprints,
    fingerprint,
    functions,
    lazy_sketch,
    package_root,
)
from inference.sketch import is_marker

CODE = '''def total(items, limit=10):
    """Sum the first items."""
    result = 0
    count = 0
    for item in items:
        if count >= limit:
            break
        result = result + item
        count += 1
    return result
'''
DONOR = "def other(x):\n    y = x * 2\n    print(y)\n    return y\n"


@pytest.fixture(scope="module")
def examples():
    return list(build_examples(VALIDATION_PACKAGES, 6, seed=0, excluded=set()))


def test_training_validation_and_evaluation_sources_are_disjoint() -> None:
    assert not set(TRAIN_PACKAGES) & set(VALIDATION_PACKAGES)
    assert not set(TRAIN_PACKAGES) & set(EVALUATION_SOURCES)
    assert not set(VALIDATION_PACKAGES) & set(EVALUATION_SOURCES)


@pytest.mark.parametrize("seed", range(30))
def test_edits_change_the_function_and_still_parse(seed) -> None:
    import ast

    made = edit_function(CODE, random.Random(seed), [DONOR])
    if made is None:  # an edit that found no place in this function: allowed, never wrong
        return
    kind, edited = made
    assert edited != CODE
    ast.parse(edited)
    assert set(kind.split("+")) <= {"rename", "insert", "delete", "change", "replace"}


def test_the_sketch_shows_changed_lines_and_elides_the_rest() -> None:
    edited = CODE.replace("result = result + item", "result = result + item * 2")
    sketch = lazy_sketch(CODE, edited, context=1, marker="# ...")
    lines = sketch.splitlines()
    assert is_marker(lines[0]) and is_marker(lines[-1])
    assert "        result = result + item * 2" in lines
    assert len(lines) == 5  # marker, one line of context either side of the change, marker


def test_examples_are_real_functions_with_their_edits(examples) -> None:
    assert len(examples) >= 10
    for example in examples:
        assert example.package in VALIDATION_PACKAGES
        assert example.edited != example.original
        sketch_code = [line for line in example.sketch.splitlines()
                       if line.strip() and not is_marker(line)]
        assert all(line in example.edited.splitlines() for line in sketch_code)


def test_examples_are_the_same_for_the_same_seed(examples) -> None:
    again = list(build_examples(VALIDATION_PACKAGES, 6, seed=0, excluded=set()))
    assert again == examples
    other = list(build_examples(VALIDATION_PACKAGES, 6, seed=1, excluded=set()))
    assert other != examples


def test_functions_found_in_evaluation_sources_are_never_used(examples) -> None:
    """A function that an evaluation also reads (a vendored copy, say) is dropped."""
    excluded = {fingerprint(examples[0].original)}
    kept = list(build_examples(VALIDATION_PACKAGES, 6, seed=0, excluded=excluded))
    assert examples[0].original not in {e.original for e in kept}


def test_evaluation_fingerprints_cover_this_repository_and_the_benchmark_packages() -> None:
    seen = evaluation_fingerprints()
    for name in ("inference", "pygments"):
        root = package_root(name)
        path = next(p for p in sorted(root.rglob("*.py")) if functions(p, 1, 10_000))
        assert fingerprint(functions(path, 1, 10_000)[0]) in seen
