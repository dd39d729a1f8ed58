"""Priority prompt rendering: a small tree of parts fitted to a token budget, whole lines only.

A prompt is declared as a tree of `Part`s in the order the text should appear. Each part has a
priority (higher is kept longer; a child never outranks its parent; a part without one has its
parent's, and the root's is "required") and either text or children. `render` finds the lowest
priority threshold at which everything at or above it fits ``budget`` tokens and drops the
rest: deterministically (same input, same output), a whole line at a time (a line is never cut
in half), with an optional elision marker where a part lost lines. Text order never changes,
only what is left out.

Cache-friendly layout: put stable parts first (instructions, the file being edited, marked
``stable=True`` and ``atomic=True`` so they are never trimmed line by line) and volatile parts
(the region around the cursor, recent edits) last; `RenderedPrompt.stable_prefix` is the
rendered text of the leading stable parts, exactly what to pass to `Engine.warm` when a file
is opened so the next request only computes its volatile tail.

Example::

    prompt = Part(children=[
        Part("You complete code.\\n", priority=100, stable=True, atomic=True),
        Part(file_text, priority=10, stable=True, atomic=True),
        around_line(file_text, cursor_line, priority=50, elision="# ...\\n"),
        Part(history_text, priority=30),
    ])
    rendered = render(prompt, budget=1500, count_tokens=engine.count_tokens)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

__all__ = ["Part", "PromptBudgetExceeded", "RenderedPrompt", "around_line", "render"]

REQUIRED = float("inf")


class PromptBudgetExceeded(ValueError):
    """Even the required parts of the prompt do not fit the token budget."""


@dataclass
class Part:
    """A node of the prompt tree: text (split into lines) or children, with a priority."""

    text: str = ""
    #: higher survives longer; ``REQUIRED`` (inf) is never dropped; None: the parent's
    priority: float | None = None
    children: list[Part] = field(default_factory=list)
    name: str = ""  #: reported in `RenderedPrompt.dropped` when the part loses text
    stable: bool = False  #: same text across requests: belongs in the cached prefix
    atomic: bool = False  #: all of it or nothing (never trimmed line by line)
    elision: str = ""  #: a line put where this part lost lines (e.g. ``"# ...\\n"``)
    line_priorities: Sequence[float] | None = None  #: per line of ``text``, capped by priority

    def __post_init__(self) -> None:
        if self.text and self.children:
            raise ValueError("a Part has text or children, not both")
        lines = self.text.splitlines(keepends=True)
        if self.line_priorities is not None and len(self.line_priorities) != len(lines):
            raise ValueError(f"{len(lines)} lines but {len(self.line_priorities)} priorities")


@dataclass
class RenderedPrompt:
    """The text that fits, and what was left out."""

    text: str
    tokens: int
    threshold: float  #: lowest priority kept
    dropped: list[str]  #: names (or indices) of parts that lost some or all of their text
    stable_prefix: str  #: text of the leading stable parts (kept whole): the part to warm


@dataclass
class _Unit:
    text: str
    priority: float
    owner: int  # index of the leaf part
    elision: str
    stable: bool


def around_line(
    text: str, line: int, *, priority: float, falloff: float = 1.0, **options: object
) -> Part:
    """A part for ``text`` whose lines lose priority with distance from ``line`` (0-based).

    The line itself gets ``priority``; a line ``d`` lines away gets ``priority - falloff * d``,
    so under a tight budget the window around ``line`` shrinks symmetrically.
    """
    count = len(text.splitlines(keepends=True))
    priorities = [priority - falloff * abs(i - line) for i in range(count)]
    return Part(text, priority=priority, line_priorities=priorities, **options)  # type: ignore[arg-type]


def _flatten(part: Part, cap: float, units: list[_Unit], leaves: list[Part]) -> None:
    limit = cap if part.priority is None else min(cap, part.priority)
    if part.children:
        for child in part.children:
            _flatten(child, limit, units, leaves)
        return
    owner = len(leaves)
    leaves.append(part)
    lines = part.text.splitlines(keepends=True)
    line_priorities = part.line_priorities or [limit] * len(lines)
    for text, own in zip(lines, line_priorities, strict=True):
        # An atomic part's lines share one priority so they stay or go together.
        priority = limit if part.atomic else min(limit, own)
        units.append(_Unit(text, priority, owner, part.elision, part.stable))


def _assemble(units: list[_Unit], threshold: float) -> tuple[str, set[int]]:
    out: list[str] = []
    lost: set[int] = set()
    eliding = False
    for unit in units:
        if unit.priority >= threshold:
            out.append(unit.text)
            eliding = False
        else:
            lost.add(unit.owner)
            if unit.elision and not eliding:
                out.append(unit.elision)
            eliding = bool(unit.elision)
    return "".join(out), lost


def render(part: Part, budget: int, count_tokens: Callable[[str], int]) -> RenderedPrompt:
    """Fit ``part`` into ``budget`` tokens (see the module docs)."""
    if budget < 0:
        raise ValueError("budget must be >= 0")
    units: list[_Unit] = []
    leaves: list[Part] = []
    _flatten(part, REQUIRED, units, leaves)
    levels = sorted({u.priority for u in units}, reverse=True)
    if not levels:
        return RenderedPrompt("", 0, REQUIRED, [], "")

    def fits(threshold: float) -> tuple[bool, str, set[int], int]:
        text, lost = _assemble(units, threshold)
        tokens = count_tokens(text)
        return tokens <= budget, text, lost, tokens

    # Binary search for the lowest threshold that fits: more levels kept, more tokens.
    lo, hi = 0, len(levels) - 1
    best = None
    while lo <= hi:
        mid = (lo + hi) // 2
        result = fits(levels[mid])
        if result[0]:
            best = (levels[mid], *result[1:])
            lo = mid + 1
        else:
            hi = mid - 1
    if best is None:
        if levels[0] == REQUIRED:
            raise PromptBudgetExceeded(
                f"the required parts alone need {fits(REQUIRED)[3]} tokens; the budget is {budget}"
            )
        best = (REQUIRED, "", set(range(len(leaves))), 0)  # not even the top level fits
    threshold, text, lost, tokens = best
    prefix: list[str] = []
    for unit in units:  # leading stable parts that kept all their lines
        if not unit.stable or unit.owner in lost:
            break
        prefix.append(unit.text)
    dropped = [leaves[i].name or f"part {i}" for i in sorted(lost)]
    return RenderedPrompt(text, tokens, threshold, dropped, "".join(prefix))
