"""The short sentence shown beside each file saying why it sits where it does."""

from __future__ import annotations

import posixpath
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from reviewapp.ingest.parsed import ADDED, COPIED, DELETED, RENAMED, ParsedFile

from .roles import ASSET, CONFIG, DOCS, GENERATED, LOCKFILE, SOURCE, TEST, VENDORED, Role
from .tested_code import subject_stem

MAX_NAMES = 2
MAX_PATHS = 2

TRAILING_REASONS = {
    DOCS: "documentation",
    CONFIG: "configuration",
    LOCKFILE: "lockfile",
    GENERATED: "generated file",
    VENDORED: "vendored third-party code",
    ASSET: "binary or media file",
}


@dataclass
class GraphView:
    """What the reason writer needs to know about the ordered graph."""

    files: Sequence[ParsedFile]
    roles: Sequence[Role]
    position: Mapping[int, int]  # node → rank in review order
    successors: Mapping[int, Mapping[int, frozenset[str]]]
    predecessors: Mapping[int, Mapping[int, frozenset[str]]]
    cycle_of: Mapping[int, Sequence[int]]  # node → the members of its strongly connected component
    changes: Mapping[int, frozenset[str]]  # node → names its diff changes
    tested: Mapping[int, Sequence[int]]  # test node → source nodes it tests
    # (source, user) edges guessed from names or path conventions rather than read from an
    # import: a reason resting only on them says "probably".
    guessed: frozenset[tuple[int, int]] = frozenset()


def trailing_reason(file: ParsedFile, role: Role) -> str:
    """Reason for a docs/config/lockfile/generated/vendored/asset file."""
    if role.name == GENERATED and role.evidence == "minified":
        return "minified file"
    if role.name == GENERATED and role.evidence == "gitattributes":
        return "generated file (per .gitattributes)"
    if role.name == GENERATED and role.evidence:
        return f"generated file (marked `{role.evidence}`)"
    if role.name == VENDORED and role.evidence == "gitattributes":
        return "vendored code (per .gitattributes)"
    if role.name == ASSET and file.is_binary:
        return "binary file"
    return TRAILING_REASONS.get(role.name, role.name)


def code_reason(node: int, view: GraphView) -> str:
    """Reason for a source or test file, from its place among its definitions and users."""
    file = view.files[node]
    role = view.roles[node].name
    parts: list[str] = []
    cycle = [member for member in view.cycle_of.get(node, [node]) if member != node]
    if cycle:
        parts.append(f"in a cycle with {_paths(view, cycle)}")
    here = view.position[node]
    below = sorted(
        (s for s in view.successors.get(node, {}) if view.position[s] > here),
        key=view.position.__getitem__,
    )
    above = sorted(
        (p for p in view.predecessors.get(node, {}) if view.position[p] < here),
        key=view.position.__getitem__,
    )
    if role == TEST and below and subject_stem(file.path) is None:
        # conftest.py or a helper module: support code other tests build on.
        is_conftest = posixpath.basename(file.path) == "conftest.py"
        parts.append("pytest fixtures" if is_conftest else "test helpers")
    elif role == TEST:
        subjects = view.tested.get(node) or [
            p for p in view.predecessors.get(node, {}) if view.roles[p].name == SOURCE
        ]
        if subjects:
            parts.append(f"test for {_paths(view, subjects)}")
        elif not cycle:
            parts.append("test; the code it tests is not part of this change")
    if below:
        names = frozenset().union(*(view.successors[node][s] for s in below))
        changed = names & view.changes.get(node, frozenset())
        if file.status == DELETED:
            verb = "removes"
        elif changed and file.status != ADDED:
            verb = "changes"
        else:
            verb = "defines"
        users = _count(view, below)
        shown = changed or names
        probably = "probably " if all((node, s) in view.guessed for s in below) else ""
        if shown:
            parts.append(f"{verb} {_names(shown)}, {probably}used by {users} below")
        elif role != TEST and all(view.roles[s].name == TEST for s in below):
            parts.append(f"tested by {users} below")  # a helper is used by tests, not tested
        else:
            parts.append(f"{probably}imported by {users} below")
    elif above and role == SOURCE:
        names = frozenset().union(*(view.predecessors[node][p] for p in above))
        sources = _count(view, above)
        probably = "probably " if all((p, node) in view.guessed for p in above) else ""
        parts.append(f"{probably}uses {_names(names)} from {sources} above" if names
                     else f"{probably}imports {sources} above")
    if not parts:
        parts.append(_standalone(file))
    return "; ".join(parts)


def _standalone(file: ParsedFile) -> str:
    """Reason for a file with no links to the other changed files."""
    if not file.hunks:
        if file.status in (RENAMED, COPIED):
            verb = "renamed" if file.status == RENAMED else "copied"
            return f"{verb} from `{file.old_path}`, content unchanged"
        if file.mode_changed:
            return f"file mode change only ({file.old_mode} → {file.new_mode})"
        return "empty file" if file.status != DELETED else "deleted empty file"
    return f"independent of the other changed files (+{file.added_count} −{file.removed_count})"


def _names(names: Iterable[str]) -> str:
    # Dunder names (`__all__`, `__init__`) say least about a file: named last.
    ordered = sorted(names, key=lambda name: (name.startswith("__"), name))
    shown = [f"`{name}`" for name in ordered[:MAX_NAMES]]
    if len(ordered) > MAX_NAMES:
        return ", ".join(shown) + f" and {len(ordered) - MAX_NAMES} more"
    return " and ".join(shown)


def _paths(view: GraphView, nodes: Iterable[int]) -> str:
    ordered = sorted(nodes, key=lambda n: view.position.get(n, 0))
    shown = [f"`{view.files[n].path}`" for n in ordered[:MAX_PATHS]]
    if len(ordered) > MAX_PATHS:
        return ", ".join(shown) + f" and {len(ordered) - MAX_PATHS} more"
    return " and ".join(shown)


def _count(view: GraphView, nodes: Sequence[int]) -> str:
    """One file by path, several by number: "`pkg/b.py`" or "3 files"."""
    return f"`{view.files[nodes[0]].path}`" if len(nodes) == 1 else f"{len(nodes)} files"
