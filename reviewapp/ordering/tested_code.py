"""Which changed source files each changed test exercises: by import, else by file name."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Sequence

from reviewapp.ingest.parsed import ParsedFile

from .graph import Edges
from .roles import SOURCE, TEST, Role

# test_foo.py, foo_test.go, foo_tests.rs, FooTest.java, FooTests.cs, foo_spec.rb, foo_unittest.cc
TEST_AFFIX = re.compile(r"^tests?_|_tests?$|_spec$|_unittest$|(?<=[a-z0-9])Tests?$|^Test(?=[A-Z])")


def subject_stem(path: str) -> str | None:
    """The name of the file a test file is named after: `tests/test_graph.py` → `graph`."""
    name = posixpath.basename(path)
    base, *suffixes = name.split(".")
    if any(s in ("test", "spec") for s in suffixes):  # foo.test.ts, foo.spec.js
        return base
    stem = TEST_AFFIX.sub("", base)
    return stem if stem and stem != base else None


def link_tests(
    files: Sequence[ParsedFile], roles: Sequence[Role], code: Sequence[int], edges: Edges
) -> dict[int, list[int]]:
    """Map each test to the sources it tests, adding a source → test edge for name matches.

    A test named after a changed source file tests it; otherwise a test tests the source files
    it imports. Edges are added in place so the test is ordered after its code.
    """
    sources_by_stem: dict[str, list[int]] = {}
    for node in code:
        if roles[node].name == SOURCE:
            stem = posixpath.splitext(posixpath.basename(files[node].path))[0]
            sources_by_stem.setdefault(stem, []).append(node)
    imported_by: dict[int, list[int]] = {}
    for source in code:  # `code` is sorted by path, so each list is too
        if roles[source].name == SOURCE:
            for target in edges.get(source, {}):
                imported_by.setdefault(target, []).append(source)
    tested: dict[int, list[int]] = {}
    for node in code:
        if roles[node].name != TEST:
            continue
        stem = subject_stem(files[node].path)
        candidates = _namesakes(stem, sources_by_stem) if stem else []
        if candidates:
            subject = _nearest(candidates, files, files[node].path)
            edges.setdefault(subject, {}).setdefault(node, frozenset())
            tested[node] = [subject]
        else:
            if node in imported_by:
                tested[node] = imported_by[node]
    return tested


def _namesakes(stem: str, sources_by_stem: dict[str, list[int]]) -> list[int]:
    """Sources named like the test: `ingest_git_source` → git_source.py, else ingest.py, ...

    The longest run of the stem's words that names a changed source file wins.
    """
    words = stem.split("_")
    for length in range(len(words), 0, -1):
        for start in range(len(words) - length + 1):
            found = sources_by_stem.get("_".join(words[start : start + length]))
            if found:
                return found
    return []


def _nearest(candidates: list[int], files: Sequence[ParsedFile], test_path: str) -> int:
    return min(candidates, key=lambda c: (-_shared_dirs(files[c].path, test_path), files[c].path))


def _shared_dirs(source: str, test: str) -> int:
    """Directory names two paths share: tests/x/test_a.py is closer to src/x/a.py than y/a.py."""
    return len(set(source.split("/")[:-1]) & set(test.split("/")[:-1]))
