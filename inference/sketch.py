"""Parse a lazy edit sketch: find elision markers in any comment syntax and split it into segments.

A sketch is the new version of a file written lazily: unchanged stretches are replaced by a
comment such as ``# ... existing code ...``, ``// ...``, ``/* rest unchanged */`` or
``<!-- ... -->``. Between two markers sits a *segment*: lines that are literally in the result.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

__all__ = ["Segment", "Sketch", "indentation", "is_marker", "marker_line", "parse_sketch"]

# A marker line is a comment and nothing else. Each pattern captures the comment's body.
_COMMENT_FORMS = (
    re.compile(r"^\s*(?:#|//|--|;+|%)\s*(?P<body>.*?)\s*$"),
    re.compile(r"^\s*/\*+\s*(?P<body>.*?)\s*\*+/\s*$"),
    re.compile(r"^\s*\{/\*\s*(?P<body>.*?)\s*\*/\}\s*$"),  # JSX
    re.compile(r"^\s*<!--\s*(?P<body>.*?)\s*-->\s*$"),
    re.compile(r"^\s*\(\*\s*(?P<body>.*?)\s*\*\)\s*$"),  # OCaml, Pascal
    re.compile(r"^\s*\{-\s*(?P<body>.*?)\s*-\}\s*$"),  # Haskell
)
# What the comment says: an ellipsis, or words meaning "unchanged code goes here".
_ELISION_BODY = re.compile(
    r"""^(?:\.\.\.|…|\[\.\.\.\]|\.\.\.\s*$)
      | existing\s+(?:code|lines|content|methods|functions|imports|implementation)
      | \b(?:rest|remainder)\b.*\b(?:unchanged|same|as\s+before|omitted)\b
      | \b(?:unchanged|omitted|elided|same\s+as\s+before)\b\s*(?:\.\.\.|…)?\s*$
      | ^(?:keep|keeps)\s+(?:existing|the\s+rest)
      | \bcode\s+(?:omitted|elided|unchanged)\b
      | ^[(\[]\s*(?:unchanged|omitted|elided|same\s+as\s+before)\s*[)\]]$
      | \b(?:everything\s+else|the\s+rest)\b.*\b(?:unchanged|same|as\s+(?:before|is)|stays)\b
      | ^(?:other|remaining|previous|more)\s+(?:code|methods|functions|tests|imports|lines
           |fields|definitions|classes)\s*(?:unchanged|here|\.\.\.|…)?\s*$
    """,
    re.IGNORECASE | re.VERBOSE,
)


def is_marker(line: str) -> bool:
    """True when ``line`` is a comment that stands for elided, unchanged code."""
    for form in _COMMENT_FORMS:
        match = form.match(line)
        if match and _ELISION_BODY.search(match.group("body")):
            return True
    return False


def indentation(line: str) -> str:
    """The leading whitespace of ``line``."""
    return line[: len(line) - len(line.lstrip())]


def marker_line(path: str | None, indent: str = "") -> str:
    """The usual elision marker for a file of this kind (used to write sketches)."""
    suffix = (path or "").rsplit(".", 1)[-1].lower() if path and "." in path else ""
    if suffix in {"html", "htm", "xml", "md", "svg", "vue"}:
        return f"{indent}<!-- ... existing code ... -->"
    if suffix in {"css"}:
        return f"{indent}/* ... existing code ... */"
    if suffix in {"js", "ts", "jsx", "tsx", "c", "h", "cc", "cpp", "hpp", "java", "go", "rs",
                  "kt", "swift", "cs", "scala", "dart", "php"}:
        return f"{indent}// ... existing code ..."
    if suffix in {"sql", "lua", "hs"}:
        return f"{indent}-- ... existing code ..."
    return f"{indent}# ... existing code ..."


@dataclass(frozen=True)
class Segment:
    """Lines of the sketch between two markers.

    ``after_marker`` / ``before_marker``: whether elided code precedes / follows the segment
    (False at the edges of a sketch that starts / ends with real code).
    """

    lines: tuple[str, ...]
    after_marker: bool
    before_marker: bool


@dataclass(frozen=True)
class Sketch:
    """A parsed sketch: its segments in order and how many markers it had."""

    segments: tuple[Segment, ...]
    markers: int
    trailing_newline: bool = field(default=True)


def parse_sketch(text: str) -> Sketch:
    """Split ``text`` at marker lines; blank lines touching a marker belong to the elision."""
    lines = text.splitlines()
    groups: list[list[str]] = [[]]
    markers = 0
    for line in lines:
        if is_marker(line):
            markers += 1
            groups.append([])
        else:
            groups[-1].append(line)
    segments = []
    for index, group in enumerate(groups):
        after_marker = index > 0
        before_marker = index < len(groups) - 1
        # Blank lines next to a marker are usually spacing around the elided code, which the
        # original already has; keeping them would double the spacing.
        start, end = 0, len(group)
        if after_marker:
            while start < end and not group[start].strip():
                start += 1
        if before_marker:
            while end > start and not group[end - 1].strip():
                end -= 1
        if start < end or not (after_marker or before_marker):
            segments.append(Segment(tuple(group[start:end]), after_marker, before_marker))
    return Sketch(tuple(segments), markers, trailing_newline=text.endswith("\n"))
