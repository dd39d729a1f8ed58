"""The dependency graph of changed files: resolving imports, Tarjan's SCCs, weak components.

An edge A → B means B uses a name A defines or changes, so A should be read first. Nodes are
indices into the caller's file list; every iteration here is over sorted keys, so the graph is
the same whatever order the files came in.
"""

from __future__ import annotations

import os
import posixpath
from collections import defaultdict
from collections.abc import Mapping, Sequence

from .symbols import FileSymbols, ImportCandidate

# successors[a][b] = the names b takes from a (empty: b imports a but we cannot tell what)
Edges = dict[int, dict[int, frozenset[str]]]


class PathIndex:
    """Finds changed files by exact path, path suffix or directory (old paths count too)."""

    def __init__(self, paths: Mapping[int, Sequence[str]]) -> None:
        """`paths` maps a node to its paths (new path first, then the old one of a rename)."""
        self.exact: dict[str, list[int]] = defaultdict(list)
        self.by_name: dict[str, list[int]] = defaultdict(list)
        self.by_dir: dict[str, list[int]] = defaultdict(list)
        self.main_path: dict[int, str] = {}
        self.all_paths: dict[int, tuple[str, ...]] = {}
        for node in sorted(paths, key=lambda n: tuple(paths[n])):
            self.main_path[node] = paths[node][0]
            self.all_paths[node] = tuple(dict.fromkeys(paths[node]))
            for path in dict.fromkeys(paths[node]):
                self.exact[path].append(node)
                self.by_name[posixpath.basename(path)].append(node)
                self.by_dir[posixpath.dirname(path)].append(node)

    def files(self, candidate: ImportCandidate, importer: int) -> list[int]:
        """Nodes the candidate names, best match first; never the importer itself."""
        if candidate.is_dir:
            # A package directory holds the importer's language only (Go: the .go files).
            extension = posixpath.splitext(self.main_path.get(importer, ""))[1]
            found = [
                node
                for node in self._directory(candidate)
                if posixpath.splitext(self.main_path[node])[1] == extension
            ]
        elif candidate.anchored:
            found = self.exact.get(candidate.path, [])
        else:
            found = [
                node
                for node in self.by_name.get(posixpath.basename(candidate.path), [])
                if any(
                    path == candidate.path or path.endswith("/" + candidate.path)
                    for path in self.all_paths[node]
                )
            ]
            if len(found) > 1:
                # The same module in two places: an import path is relative to a source root,
                # so the shallower match wins (pkg/x.py over tests/pkg/x.py), then the nearer.
                found.sort(key=lambda node: (
                    self.main_path[node].count("/"),
                    -self._shared_prefix(node, importer),
                    self.main_path[node],
                ))
                found = found[:1]
        return [node for node in found if node != importer]

    def _directory(self, candidate: ImportCandidate) -> list[int]:
        if candidate.anchored:
            return list(self.by_dir.get(candidate.path, []))
        parts = candidate.path.split("/")
        for start in range(len(parts)):  # longest suffix of the import path that is a directory
            directory = "/".join(parts[start:])
            if directory in self.by_dir:
                return list(self.by_dir[directory])
        return []

    def _shared_prefix(self, node: int, other: int) -> int:
        """How many leading directories two files share."""
        a = self.main_path[node].split("/")[:-1]
        b = self.main_path.get(other, "").split("/")[:-1]
        return len(os.path.commonprefix([a, b]))


def build_edges(
    nodes: Sequence[int], index: PathIndex, symbols: Mapping[int, FileSymbols]
) -> Edges:
    """Edges between changed files from each file's resolved imports."""
    edges: Edges = defaultdict(dict)

    def add(source: int, target: int, names: frozenset[str]) -> None:
        edges[source][target] = edges[source].get(target, frozenset()) | names

    for user in nodes:
        summary = symbols[user]
        for ref in summary.imports:
            for candidate in ref.candidates:
                targets = index.files(candidate, user)
                if not targets:
                    continue
                wanted = candidate.names or summary.uses
                if not candidate.is_dir:
                    for target in targets:
                        names = candidate.names or (wanted & symbols[target].defines)
                        if names or not ref.require_names:
                            add(target, user, names)
                    break
                # A directory (Go package): the files that define what the user takes from it.
                matched = [(t, wanted & symbols[t].defines) for t in targets]
                matched = [(t, names) for t, names in matched if names]
                if not matched and not ref.require_names:
                    matched = [(t, frozenset()) for t in targets]
                for target, names in matched:
                    add(target, user, names)
                break
    return {source: dict(targets) for source, targets in edges.items()}


def predecessors(edges: Edges) -> dict[int, dict[int, frozenset[str]]]:
    """The same edges seen from their targets: pred[b][a] = names b takes from a."""
    pred: dict[int, dict[int, frozenset[str]]] = defaultdict(dict)
    for source, targets in edges.items():
        for target, names in targets.items():
            pred[target][source] = names
    return pred


def strongly_connected_components(nodes: Sequence[int], edges: Edges) -> list[list[int]]:
    """Tarjan's algorithm, iterative so a long import chain cannot hit the recursion limit."""
    index_of: dict[int, int] = {}
    lowlink: dict[int, int] = {}
    on_stack: set[int] = set()
    stack: list[int] = []
    components: list[list[int]] = []
    counter = 0
    order = {node: rank for rank, node in enumerate(nodes)}
    for root in nodes:
        if root in index_of:
            continue
        work = [(root, iter(sorted(edges.get(root, {}), key=order.__getitem__)))]
        index_of[root] = lowlink[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, successors = work[-1]
            advanced = False
            for succ in successors:
                if succ not in order:
                    continue  # an edge to a file outside the graph (not code)
                if succ not in index_of:
                    index_of[succ] = lowlink[succ] = counter
                    counter += 1
                    stack.append(succ)
                    on_stack.add(succ)
                    work.append((succ, iter(sorted(edges.get(succ, {}), key=order.__getitem__))))
                    advanced = True
                    break
                if succ in on_stack:
                    lowlink[node] = min(lowlink[node], index_of[succ])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                lowlink[parent] = min(lowlink[parent], lowlink[node])
            if lowlink[node] == index_of[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                components.append(sorted(component, key=order.__getitem__))
    return components


def weak_components(nodes: Sequence[int], edges: Edges) -> list[list[int]]:
    """Files connected by edges in either direction: the related-files groups."""
    parent = {node: node for node in nodes}

    def find(node: int) -> int:
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for source, targets in edges.items():
        for target in targets:
            if source in parent and target in parent:
                a, b = find(source), find(target)
                if a != b:
                    parent[max(a, b)] = min(a, b)
    groups: dict[int, list[int]] = defaultdict(list)
    for node in nodes:  # `nodes` is in the caller's stable order, so each group is too
        groups[find(node)].append(node)
    return list(groups.values())


def reaches(edges: Edges, start: int, goal: int) -> bool:
    """Whether a path of edges leads from `start` to `goal`."""
    seen = {start}
    stack = [start]
    while stack:
        node = stack.pop()
        if node == goal:
            return True
        for succ in edges.get(node, ()):
            if succ not in seen:
                seen.add(succ)
                stack.append(succ)
    return False
