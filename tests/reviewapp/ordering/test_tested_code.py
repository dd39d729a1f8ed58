"""tested_code: which source file a test exercises, by name or by import."""

from __future__ import annotations

import pytest

from reviewapp.ordering.roles import SOURCE, TEST, Role
from reviewapp.ordering.tested_code import link_tests, subject_stem

from .conftest import make_file


@pytest.mark.parametrize(
    ("path", "stem"),
    [
        ("tests/test_graph.py", "graph"),
        ("pkg/graph_test.go", "graph"),
        ("src/Button.test.tsx", "Button"),
        ("src/api.spec.js", "api"),
        ("src/test/java/UserServiceTest.java", "UserService"),
        ("spec/parser_spec.rb", "parser"),
        ("tests/conftest.py", None),
        ("tests/helpers.py", None),
    ],
)
def test_subject_stem_strips_test_affixes(path, stem):
    """Common test naming conventions map back to the tested file's name."""
    assert subject_stem(path) == stem


def test_name_match_prefers_the_source_in_the_same_directories():
    """tests/ordering/test_graph.py tests reviewapp/ordering/graph.py, not other/graph.py."""
    files = [
        make_file("tests/ordering/test_graph.py", "a\n", "b\n"),
        make_file("other/graph.py", "a\n", "b\n"),
        make_file("reviewapp/ordering/graph.py", "a\n", "b\n"),
    ]
    roles = [Role(TEST), Role(SOURCE), Role(SOURCE)]
    edges: dict = {}
    tested = link_tests(files, roles, [0, 1, 2], edges)
    assert tested == {0: [2]}
    assert edges == {2: {0: frozenset()}}


def test_without_a_name_match_a_test_tests_what_it_imports():
    """A test with no namesake is linked to the sources with edges into it."""
    files = [make_file("tests/test_flow.py", "a\n", "b\n"), make_file("pkg/engine.py", "a\n", "c")]
    roles = [Role(TEST), Role(SOURCE)]
    edges = {1: {0: frozenset({"Engine"})}}
    assert link_tests(files, roles, [0, 1], edges) == {0: [1]}


def test_a_test_named_with_a_package_prefix_finds_its_module():
    """tests/ingest/test_ingest_git_source.py tests ingest/git_source.py (longest word run)."""
    files = [
        make_file("tests/ingest/test_ingest_git_source.py", "a\n", "b\n"),
        make_file("ingest/git_source.py", "a\n", "c\n"),
        make_file("ingest/source.py", "a\n", "c\n"),
    ]
    roles = [Role(TEST), Role(SOURCE), Role(SOURCE)]
    assert link_tests(files, roles, [0, 1, 2], {}) == {0: [1]}
