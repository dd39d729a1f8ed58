"""Review order of a change's files: definitions before uses, related files together.

1. Classify each file (roles.py); only source and test files enter the dependency graph.
2. Summarise each (python_symbols.py, other_languages.py) and link them (graph.py), guessing
   links from names where a pasted diff hides the imports (guesses.py), then from path
   conventions (conventions.py), and adding code → test links by file name where no import
   says so (tested_code.py).
3. Groups = weakly connected components; they do not depend on each other as far as the diff
   shows, so groups holding a foundation module go first (`_version.py`, then `_compat.py`,
   `errors.py`: conventions.foundation_rank) and groups of entry points (`cli.py`, `app.py`)
   last, else the riskiest first (risk.py). Test-only groups follow the code groups.
4. Within a group: strongly connected components in topological order; tests after the group's
   code, foundation modules first and entry points last, then the user of the file shown most
   recently (so a definition's users follow it), then the riskiest.
   Within a component, the file that takes least from the others not yet shown goes first,
   names the diff changes weighing most.
5. All tests follow all the code (groups keep their order within each part): a test may use
   any changed module, and a pasted diff rarely shows which.
6. Docs, config, lockfiles, generated, vendored and binary files come last, in that order.
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from reviewapp.ingest.gc_pause import cyclic_gc_paused
from reviewapp.ingest.parsed import ParsedFile

from .conventions import add_convention_edges, foundation_rank, is_entry_point, is_private
from .graph import (
    Edges,
    PathIndex,
    build_edges,
    predecessors,
    strongly_connected_components,
    weak_components,
)
from .guesses import add_name_guesses
from .other_languages import analyze_other
from .python_symbols import analyze_python
from .reasons import GraphView, code_reason, trailing_reason
from .risk import change_risk
from .roles import SOURCE, TEST, TRAILING_ROLES, Role, classify, gitattributes_from_diff
from .symbols import FileSymbols
from .tested_code import link_tests

CODE_ROLES = (SOURCE, TEST)
CHANGED_NAME_WEIGHT = 10  # inside a cycle: a changed name taken counts as much as ten others


@dataclass(frozen=True)
class OrderedFile:
    """One file's place in the review order."""

    index: int  # position of the file in the list given to `order_files`
    path: str
    order: int  # 0-based rank in review order
    reason: str  # short sentence for the reviewer: why the file is here
    role: str  # one of roles.ROLES
    group: int  # id of its related-files group, numbered in review order from 0
    risk: float  # size and complexity of the change (plus extra_risk); higher shows earlier


def order_files(
    files: Sequence[ParsedFile],
    extra_risk: Mapping[str, float] | None = None,
    gitattributes: Mapping[str, str] | None = None,
) -> list[OrderedFile]:
    """Files in review order; `extra_risk` raises files' risk by path (e.g. from findings).

    Risk is log2-scaled (risk.py): +1 is worth doubling a file's changed lines, and a typical
    file scores 3 to 15, so a likely bug should add several points to move its group forward.
    `gitattributes` maps .gitattributes paths to their text, for rules the diff does not show.
    The result does not depend on the order of `files`: ties are broken by path.
    """
    if not files:
        return []
    keys = [(f.path, f.old_path, f.status, f.added_count, f.removed_count) for f in files]
    attributes = gitattributes_from_diff(files, gitattributes)
    roles = [classify(f, attributes if attributes else None) for f in files]
    extra = extra_risk or {}
    risks = [change_risk(f) + float(extra.get(f.path, 0.0)) for f in files]

    code = sorted((i for i, r in enumerate(roles) if r.name in CODE_ROLES), key=keys.__getitem__)
    with cyclic_gc_paused():  # parsing allocates millions of acyclic AST nodes
        symbols = {i: analyze_file(files[i]) for i in code}
    index = PathIndex({i: (files[i].path, files[i].old_path) for i in code})
    edges = build_edges(code, index, symbols)
    paths = {i: files[i].path for i in code}
    guessed = add_name_guesses(code, paths, symbols, edges, dict(enumerate(keys)))
    guessed |= add_convention_edges(code, paths, roles, symbols, edges)
    tested = link_tests(files, roles, code, edges)
    preds = predecessors(edges)
    components = strongly_connected_components(code, edges)
    component_of = {node: c for c, members in enumerate(components) for node in members}

    changes = {node: symbols[node].changes for node in code}
    groups = [
        _order_group(members, edges, preds, components, component_of, roles, risks, keys,
                     changes)
        for members in weak_components(code, edges)
    ]
    groups.sort(key=lambda g: _group_key(g, roles, risks, keys))
    for role in TRAILING_ROLES:
        members = [i for i, r in enumerate(roles) if r.name == role]
        if members:
            groups.append(sorted(members, key=lambda i: (-risks[i], keys[i])))

    # Every test after all the code: a test may use any changed module, and a pasted diff
    # rarely shows which, so a test read before code in a later group would be read too early.
    # Groups keep their order among the code and among the tests.
    grouped = [(node, g) for g, members in enumerate(groups) for node in members]
    sequence = sorted(grouped, key=lambda item: _part(roles[item[0]].name))
    position = {node: rank for rank, (node, _) in enumerate(sequence)}
    view = GraphView(
        files=files,
        roles=roles,
        position=position,
        successors=edges,
        predecessors=preds,
        cycle_of={node: components[component_of[node]] for node in code},
        changes={node: symbols[node].changes for node in code},
        tested=tested,
        guessed=frozenset(guessed),
    )
    result = []
    for rank, (node, group) in enumerate(sequence):
        role = roles[node]
        reason = (
            code_reason(node, view)
            if role.name in CODE_ROLES
            else trailing_reason(files[node], role)
        )
        result.append(
            OrderedFile(node, files[node].path, rank, reason, role.name, group, risks[node])
        )
    return result


def analyze_file(file: ParsedFile) -> FileSymbols:
    """The language-appropriate summary of one file."""
    if file.path.endswith((".py", ".pyi", ".pyw")) or file.language.startswith("Python"):
        return analyze_python(file)
    return analyze_other(file)


def _part(role: str) -> int:
    """Which part of the review a role belongs to: code, then tests, then everything else."""
    return 0 if role == SOURCE else 1 if role == TEST else 2


def _group_key(
    members: list[int], roles: Sequence[Role], risks: Sequence[float], keys: Sequence[tuple]
) -> tuple:
    """Code groups before test-only groups; foundation modules first, entry points (`cli.py`,
    `app.py`) last among code, private modules (`_impl.py`) before public ones; then riskiest
    first; then by first path."""
    only_tests = all(roles[m].name == TEST for m in members)
    foundation = max(foundation_rank(keys[m][0]) for m in members)
    entry_points = all(is_entry_point(keys[m][0]) or roles[m].name == TEST for m in members)
    private = any(is_private(keys[m][0]) for m in members)
    return (only_tests, -foundation, entry_points, not private, -max(risks[m] for m in members),
            -sum(risks[m] for m in members), min(keys[m] for m in members))


def _order_group(
    members: list[int],
    edges: Edges,
    preds: Mapping[int, Mapping[int, frozenset[str]]],
    components: list[list[int]],
    component_of: Mapping[int, int],
    roles: Sequence[Role],
    risks: Sequence[float],
    keys: Sequence[tuple],
    changes: Mapping[int, frozenset[str]],
) -> list[int]:
    """Topological order of one group's components, each expanded definitions-first."""
    comp_ids = sorted({component_of[m] for m in members}, key=lambda c: keys[components[c][0]])
    comp_succ: dict[int, set[int]] = {c: set() for c in comp_ids}
    waiting: dict[int, int] = dict.fromkeys(comp_ids, 0)
    for c in comp_ids:
        for node in components[c]:
            for succ in edges.get(node, {}):
                target = component_of.get(succ)
                if target is not None and target != c and target not in comp_succ[c]:
                    comp_succ[c].add(target)
                    waiting[target] += 1

    # Risk of a component counts what it leads to: the root of a risky chain goes first.
    reach_risk: dict[int, float] = {}
    for c in reversed(_topological(comp_ids, comp_succ)):
        own = max(risks[m] for m in components[c])
        reach_risk[c] = max([own] + [reach_risk[s] for s in comp_succ[c]])

    def heap_key(c: int, affinity: int) -> tuple:
        tests_only = all(roles[m].name == TEST for m in components[c])
        own = max(risks[m] for m in components[c])
        foundation = max(foundation_rank(keys[m][0]) for m in components[c])
        # An entry point builds on the rest of its group: it waits while anything else is ready.
        entry_point = all(is_entry_point(keys[m][0]) for m in components[c])
        private = any(is_private(keys[m][0]) for m in components[c])
        return (tests_only, -foundation, entry_point, not private, -affinity, -reach_risk[c],
                -own, keys[components[c][0]], c)

    ready = [heap_key(c, -1) for c in comp_ids if waiting[c] == 0]
    heapq.heapify(ready)
    ordered: list[int] = []
    position: dict[int, int] = {}
    while ready:
        c = heapq.heappop(ready)[-1]
        for node in _order_component(components[c], edges, roles, risks, keys, changes):
            position[node] = len(ordered)
            ordered.append(node)
        for target in sorted(comp_succ[c], key=lambda t: keys[components[t][0]]):
            waiting[target] -= 1
            if waiting[target] == 0:
                # Affinity: the latest-shown file it uses, so users follow their definitions.
                affinity = max(
                    position[p] for m in components[target] for p in preds.get(m, {})
                    if p in position
                )
                heapq.heappush(ready, heap_key(target, affinity))
    return ordered


def _topological(comp_ids: list[int], comp_succ: Mapping[int, set[int]]) -> list[int]:
    waiting = dict.fromkeys(comp_ids, 0)
    for c in comp_ids:
        for target in comp_succ[c]:
            waiting[target] += 1
    queue = [c for c in comp_ids if waiting[c] == 0]
    out = []
    while queue:
        c = queue.pop()
        out.append(c)
        for target in comp_succ[c]:
            waiting[target] -= 1
            if waiting[target] == 0:
                queue.append(target)
    return out


def _order_component(
    members: list[int],
    edges: Edges,
    roles: Sequence[Role],
    risks: Sequence[float],
    keys: Sequence[tuple],
    changes: Mapping[int, frozenset[str]],
) -> list[int]:
    """Inside a cycle: repeatedly show the file that takes least from those not yet shown.

    A name the source changes weighs ten unchanged ones: when two files import each other, the
    one whose edits the other relies on is the one to read first.
    """
    if len(members) == 1:
        return list(members)
    remaining = set(members)
    inside = {
        node: {t: max(1, len(n)) + CHANGED_NAME_WEIGHT * len(n & changes[node])
               for t, n in edges.get(node, {}).items() if t in remaining}
        for node in members
    }
    # taken: weight of names a file takes from files not yet shown; given: what it gives them.
    taken = dict.fromkeys(members, 0)
    given = {node: sum(inside[node].values()) for node in members}
    for node in members:
        for target, weight in inside[node].items():
            taken[target] += weight
    ordered = []
    while remaining:
        best = min(
            remaining,
            key=lambda n: (taken[n], -given[n], roles[n].name == TEST, -risks[n], keys[n]),
        )
        ordered.append(best)
        remaining.discard(best)
        for target, weight in inside[best].items():
            taken[target] -= weight
        for node in remaining:
            if best in inside[node]:
                given[node] -= inside[node][best]
    return ordered
