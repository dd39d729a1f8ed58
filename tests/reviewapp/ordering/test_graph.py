"""graph: import resolution, Tarjan's strongly connected components, weak components."""

from __future__ import annotations

from reviewapp.ordering.graph import (
    PathIndex,
    build_edges,
    strongly_connected_components,
    weak_components,
)
from reviewapp.ordering.symbols import FileSymbols, ImportCandidate, ImportRef


def test_tarjan_finds_cycles_and_singletons():
    """0→1→2→0 is one component, 3 alone, 4⇄5 another."""
    edges = {0: {1: frozenset()}, 1: {2: frozenset()}, 2: {0: frozenset(), 3: frozenset()},
             4: {5: frozenset()}, 5: {4: frozenset()}}
    components = strongly_connected_components([0, 1, 2, 3, 4, 5], edges)
    assert sorted(sorted(c) for c in components) == [[0, 1, 2], [3], [4, 5]]


def test_tarjan_handles_a_chain_longer_than_the_recursion_limit():
    """A 5,000-file import chain is 5,000 singleton components, no RecursionError."""
    n = 5000
    edges = {i: {i + 1: frozenset()} for i in range(n - 1)}
    assert len(strongly_connected_components(list(range(n)), edges)) == n


def test_weak_components_join_edges_in_either_direction():
    """1→0 and 1→2 put 0, 1, 2 together; 3 is alone."""
    edges = {1: {0: frozenset(), 2: frozenset()}}
    assert sorted(sorted(g) for g in weak_components([0, 1, 2, 3], edges)) == [[0, 1, 2], [3]]


def test_unanchored_module_prefers_the_file_nearest_the_importer():
    """`import utils` from app/x.py means app/utils.py, not lib/utils.py."""
    index = PathIndex({0: ("app/x.py",), 1: ("app/utils.py",), 2: ("lib/utils.py",)})
    assert index.files(ImportCandidate("utils.py"), 0) == [1]
    assert index.files(ImportCandidate("s.py"), 0) == []  # suffix must start at a `/`


def test_old_path_of_a_renamed_file_still_resolves():
    """An import of the old module name finds the renamed file."""
    index = PathIndex({0: ("pkg/new.py", "pkg/old.py"), 1: ("main.py",)})
    assert index.files(ImportCandidate("pkg/old.py", anchored=True), 1) == [0]
    assert index.files(ImportCandidate("pkg/old.py"), 1) == [0]


def test_edges_carry_the_names_taken_and_fall_back_to_uses():
    """Explicit names win; a star import takes the used names the target defines."""
    symbols = {
        0: FileSymbols(defines=frozenset({"f", "g"})),
        1: FileSymbols(
            imports=(ImportRef((ImportCandidate("a.py"),)),),
            uses=frozenset({"g", "print"}),
        ),
        2: FileSymbols(imports=(ImportRef((ImportCandidate("a.py", frozenset({"f"})),)),)),
    }
    index = PathIndex({0: ("a.py",), 1: ("b.py",), 2: ("c.py",)})
    edges = build_edges([0, 1, 2], index, symbols)
    assert edges == {0: {1: frozenset({"g"}), 2: frozenset({"f"})}}


def test_absolute_import_prefers_the_shallower_module_over_a_test_copy():
    """`reviewapp/ordering/__init__.py` is meant, not tests/reviewapp/ordering/__init__.py."""
    index = PathIndex({
        0: ("tests/reviewapp/ordering/test_x.py",),
        1: ("tests/reviewapp/ordering/__init__.py",),
        2: ("reviewapp/ordering/__init__.py",),
    })
    assert index.files(ImportCandidate("reviewapp/ordering/__init__.py"), 0) == [2]
