"""Place new Python import lines that a sketch shows without context.

Assistants often write an added import alone between two elision markers (``# ...`` /
``import math`` / ``# ...``): no line of the segment is in the original, so no anchor places
it. The file's own import blocks do: a module-level import goes into the block of its kind
(``__future__``, standard library, relative, or third-party with the same top package) at the
place its sorted order gives, provided the block is itself sorted (isort's and ruff's default
order, plain ``import`` lines before ``from`` lines, or sorted by module alone; either by kind
first, so a run of imports of several kinds with no blank line between them counts when no
block of the import's kind stands alone) and every order it follows gives that place. A file
whose one run of imports lacks the import's kind puts it at the run's start or end by isort's
order of kinds (future, standard library, third-party, relative; two third-party packages
have no order). Anything less clear, two blocks of that kind, an unsorted block, orders that
disagree, or an import of a name the block already imports (a rewrite, not an addition), has
no placement: the merge refuses rather than guess.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Sequence

__all__ = ["different_imports", "import_insertion", "import_section"]

_IMPORT = re.compile(r"^(?:import\s+(?P<plain>[\w.]+)|from\s+(?P<source>\.*[\w.]*)\s+import\s)")
_NAMES = re.compile(r"\bimport\s+(?P<names>.*)$")

SortKey = Callable[[str], tuple]


def _module(line: str) -> str | None:
    match = _IMPORT.match(line)
    if not match:
        return None
    return match.group("plain") or match.group("source")


def import_section(line: str) -> str | None:
    """``future``, ``stdlib``, ``local`` (relative) or ``other:<top package>`` for an import
    line; None for any other line."""
    module = _module(line)
    if module is None:
        return None
    if module.startswith("."):
        return "local"
    top = module.split(".")[0]
    if top == "__future__":
        return "future"
    if top in sys.stdlib_module_names:
        return "stdlib"
    return f"other:{top}"


def _imported_names(line: str) -> set[str]:
    """The names a line binds (``import a.b as c`` binds ``c``; ``from m import x, y`` binds
    ``x`` and ``y``)."""
    match = _NAMES.search(line)
    if not match:
        return set()
    names = set()
    for part in match.group("names").strip("()\\ ").split(","):
        words = part.split()
        if words:
            names.add(words[-1].split(".")[0])
    return names - {"*"}


def _plain_first(line: str) -> tuple:
    """isort's default: by kind (`import_section`), then ``import x`` lines before ``from x
    import`` lines, each by module."""
    return (_rank(import_section(line)), line.startswith("from "),
            (_module(line) or "").lower(), line.lower())


def _by_module(line: str) -> tuple:
    """By kind, then by module whatever the form (isort's ``force_sort_within_sections``)."""
    return (_rank(import_section(line)), (_module(line) or "").lower(),
            line.startswith("from "), line.lower())


#: The orders a block of imports may follow.
ORDERS: tuple[SortKey, ...] = (_plain_first, _by_module)


def _blocks(lines: Sequence[str]) -> list[tuple[int, int]]:
    """``(start, end)`` of each run of consecutive module-level single-line imports."""
    blocks = []
    start = None
    for number, line in enumerate([*lines, ""]):
        single = _module(line) is not None and not line.rstrip().endswith(("(", "\\"))
        if single and start is None:
            start = number
        elif not single and start is not None:
            blocks.append((start, number))
            start = None
    return blocks


def _position(block: list[str], new: str) -> int | None:
    """Where ``new`` goes in the sorted ``block``: the same under every one of `ORDERS` the
    block follows, or None when it follows none of them or they disagree (``import os`` /
    ``import sys`` is sorted both ways, and ``from os import path`` goes after ``os`` in one
    and after ``sys`` in the other)."""
    positions = set()
    for key in ORDERS:
        ranks = [key(line) for line in block]
        if ranks == sorted(ranks):
            positions.add(sum(1 for rank in ranks if rank < key(new)))
    return positions.pop() if len(positions) == 1 else None


#: The order of the kinds of imports (isort's sections); third-party packages are one kind.
_SECTION_RANK = {"future": 0, "stdlib": 1, "local": 3}


def _rank(section: str | None) -> int:
    return _SECTION_RANK.get(section or "", 2)


def _beside_other_sections(lines: Sequence[str], run: tuple[int, int], section: str
                           ) -> int | None:
    """Where an import of a kind the file's one run of imports lacks goes: at the run's start
    when its kind comes before every kind there (a standard library import above
    ``import icecream``), at its end when after every one; None when the run holds its kind's
    neighbours on both sides or another package's imports (two third-party packages: the
    order between them is the file's to say)."""
    start, end = run
    ranks = {_rank(import_section(line)) for line in lines[start:end]}
    if _rank(section) < min(ranks):
        return start
    if _rank(section) > max(ranks):
        return end
    return None


def different_imports(a: str, b: str) -> bool:
    """Both lines import, and bind no name in common: neither is a version of the other."""
    return (_module(a.strip()) is not None and _module(b.strip()) is not None
            and not _imported_names(a) & _imported_names(b))


def import_insertion(lines: Sequence[str], segment: Sequence[str]) -> int | None:
    """The original line before which the segment's new import lines go, or None when they
    are not all module-level imports or their place is not clear (see the module docs)."""
    new = [line.rstrip() for line in segment if line.strip()]
    if not new or any(_module(line) is None or line in lines for line in new):
        return None
    sections = {import_section(line) for line in new}
    if len(sections) != 1:
        return None
    section = sections.pop()
    runs = _blocks(lines)
    blocks = [(a, b) for a, b in runs if {import_section(line) for line in lines[a:b]} == {section}]
    if not blocks:  # no block of its kind alone: the one run that holds it, sorted as a whole
        blocks = [(a, b) for a, b in runs
                  if section in {import_section(line) for line in lines[a:b]}]
        if not blocks and len(runs) == 1:
            return _beside_other_sections(lines, runs[0], section)
    if len(blocks) != 1:
        return None
    start, end = blocks[0]
    block = [line.rstrip() for line in lines[start:end]]
    taken = set().union(*(_imported_names(line) for line in block))
    if any(_imported_names(line) & taken for line in new):
        return None  # it imports a name the block imports already: a rewrite
    places = {_position(block, line) for line in new}
    if len(places) != 1 or None in places:
        return None
    place = places.pop()
    # The segment's own lines, in its order, must be sorted too (they land side by side).
    if _position([*block[:place], *new, *block[place:]], new[0]) is None:
        return None
    return start + place
