"""Keep unidiff's header regexes linear: the lines it reads, with the dangerous ones defused.

Two of unidiff's regexes backtrack super-linearly on crafted header lines: the one for
"Binary files A and B differ" (a 96 KB line of repeated " and " took 98 s) and the one for
URI-like "diff --git x://a y://b" headers (quadratic in the spaces of the line). A pasted diff
must not be able to stall a web worker, so:

- every "Binary files" line reaches unidiff as a short canonical line whose two names are
  tokens; the real names, split here in linear time, are put back after parsing;
- a "diff --git" line that is not in the usual "a/… b/…" form, contains "://" and is long is
  refused: no tool writes such a header, and it is exactly the slow case.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from unidiff.constants import RE_DIFF_GIT_HEADER
from unidiff.patch import PatchedFile

from .errors import DiffParseError

MAX_URI_HEADER = 256  # characters; the quadratic regex stays under a millisecond below this
_TOKEN = "@squiggle-binary-"


@dataclass
class GuardedLines:
    """The lines for unidiff, and the real names behind the binary-line tokens."""

    view: list[str]
    binary_names: dict[str, str] = field(default_factory=dict)

    def restore(self, files: list[PatchedFile]) -> None:
        """Put the real names back on plain-diff binary entries made from a token line."""
        if not self.binary_names:
            return
        for pf in files:
            if pf.source_file in self.binary_names:
                pf.source_file = self.binary_names[pf.source_file]
            if pf.target_file in self.binary_names:
                pf.target_file = self.binary_names[pf.target_file]


def guard_lines(text: str, lines: list[str]) -> GuardedLines:
    """`lines` as unidiff should read them (the same list when nothing needs defusing)."""
    guarded = GuardedLines(lines)
    # str.find runs at C speed; a loop over every line (or a ^-anchored regex) cost ~50 ms
    # on a 100k-line diff.
    index, counted_to = 0, 0
    for start in _line_starts(text, "Binary file"):
        index += text.count("\n", counted_to, start)
        counted_to = start
        if guarded.view is lines:
            guarded.view = list(lines)
        guarded.view[index] = _binary_line(index, lines[index], guarded.binary_names)
    for start in _line_starts(text, "diff --git "):
        end = text.find("\n", start)
        line = text[start:end if end >= 0 else len(text)]
        if len(line) > MAX_URI_HEADER and "://" in line and not RE_DIFF_GIT_HEADER.match(line):
            line_no = text.count("\n", 0, start) + 1
            raise DiffParseError(f"line {line_no} is not a valid 'diff --git' header",
                                 line=line_no)
    return guarded


def _line_starts(text: str, prefix: str) -> Iterator[int]:
    """Offsets of the lines of `text` that start with `prefix`."""
    if text.startswith(prefix):
        yield 0
    needle = "\n" + prefix
    found = text.find(needle)
    while found >= 0:
        yield found + 1
        found = text.find(needle, found + 1)


def _binary_line(index: int, line: str, names: dict[str, str]) -> str:
    """A canonical stand-in for one "Binary files A and B differ" line."""
    body = line.rstrip("\r\n")
    for prefix in ("Binary files ", "Binary file "):
        if body.startswith(prefix):
            body = body[len(prefix):]
            break
    else:
        return "Binary\n"  # not a marker: any text unidiff's regex fails on at once
    for suffix in (" differ", " has changed"):
        if body.endswith(suffix):
            body = body[: -len(suffix)]
            break
    else:
        return "Binary\n"
    source, target = _split_names(body)
    source_token, target_token = f"a/{_TOKEN}{index}", f"b/{_TOKEN}{index}"
    names[source_token] = source
    names[target_token] = target
    return f"Binary files {source_token} and {target_token} differ\n"


def _split_names(body: str) -> tuple[str, str]:
    """"A and B" (each maybe with a tab and a timestamp) into the two names, in linear time."""
    split = -1
    for marker in (" and b/", " and /dev/null", " and "):
        split = body.find(marker)
        if split >= 0:
            break
    if split < 0:  # hg's "Binary file X has changed": one name for both sides
        name = body.split("\t", 1)[0]
        return name, name
    return body[:split].split("\t", 1)[0], body[split + 5:].split("\t", 1)[0]
