"""File headers of a diff: git's extended header lines, quoted paths and a/ b/ prefixes."""

from __future__ import annotations

import re
from dataclasses import dataclass

DEV_NULL = "/dev/null"
_PREFIX = re.compile(r"^[abciow12]/")  # a/ b/, git's mnemonic prefixes, and --no-index 1/ 2/
_ESCAPE = re.compile(r"\\([0-7]{1,3}|.)")
_ESCAPES = {"a": 7, "b": 8, "t": 9, "n": 10, "v": 11, "f": 12, "r": 13, '"': 34, "\\": 92}
_QUOTED = re.compile(r'^"(?:[^"\\]|\\.)*"')
_INDEX = re.compile(r"^index ([0-9a-fA-F]+)\.\.([0-9a-fA-F]+)(?: (\d+))?$")
_SIMILARITY = re.compile(r"^similarity index (\d+)%$")


@dataclass
class GitHeader:
    """What git's extended header lines say about one file (None where they are silent)."""

    rename_from: str | None = None
    rename_to: str | None = None
    copy_from: str | None = None
    copy_to: str | None = None
    similarity: int | None = None
    new_file: bool = False
    deleted_file: bool = False
    old_blob: str | None = None
    new_blob: str | None = None
    minus_path: str | None = None  # from "--- a/x", unquoted, with the prefix
    plus_path: str | None = None  # from "+++ b/x"


def unquote_path(raw: str) -> str:
    """A path as git prints it to the real name: C-style quotes and octal UTF-8 escapes undone."""
    if len(raw) < 2 or not (raw.startswith('"') and raw.endswith('"')):
        return raw
    out = bytearray()
    pos = 0
    inner = raw[1:-1]
    for match in _ESCAPE.finditer(inner):
        out += inner[pos:match.start()].encode()
        code = match.group(1)
        if code[0].isdigit():
            out.append(int(code, 8) & 0xFF)
        elif code in _ESCAPES:
            out.append(_ESCAPES[code])
        else:
            out += code.encode()
        pos = match.end()
    out += inner[pos:].encode()
    return out.decode("utf-8", "replace")


def header_path(raw: str) -> str:
    """The name on a "---"/"+++" line: the timestamp or git's trailing tab cut, quotes undone."""
    quoted = _QUOTED.match(raw)
    if quoted:
        return unquote_path(quoted.group(0))
    return raw.split("\t", 1)[0].rstrip("\r\n")


def strip_prefixes(old: str, new: str, git: bool) -> tuple[str, str]:
    """Drop the a/ b/ style prefixes (or, for plain diffs, a shared first directory pair).

    Git diffs carry a prefix on both sides unless made with --no-prefix, so a prefix is only
    dropped when every real side has one. A plain `diff -ru old new` names `old/x` and `new/x`:
    the first directory is dropped when the rest of the two paths agree, as `patch -p1` would.
    """
    sides = [p for p in (old, new) if p != DEV_NULL]
    if sides and all(_PREFIX.match(p) for p in sides):
        return tuple(p if p == DEV_NULL else p[2:] for p in (old, new))  # type: ignore[return-value]
    if not git and len(sides) == 2:
        old_head, _, old_rest = old.partition("/")
        new_head, _, new_rest = new.partition("/")
        if old_rest and old_rest == new_rest and old_head != new_head:
            return old_rest, new_rest
    return old, new


def parse_git_header(lines: list[str]) -> GitHeader:
    """Read the extended header lines of one file (from "diff --git" to its first hunk)."""
    header = GitHeader()
    for raw in lines:
        line = raw.rstrip("\r\n")
        if line.startswith("rename from "):
            header.rename_from = unquote_path(line[12:])
        elif line.startswith("rename to "):
            header.rename_to = unquote_path(line[10:])
        elif line.startswith("copy from "):
            header.copy_from = unquote_path(line[10:])
        elif line.startswith("copy to "):
            header.copy_to = unquote_path(line[8:])
        elif line.startswith("new file mode "):
            header.new_file = True
        elif line.startswith("deleted file mode "):
            header.deleted_file = True
        elif line.startswith("--- "):
            header.minus_path = header_path(line[4:])
        elif line.startswith("+++ "):
            header.plus_path = header_path(line[4:])
        elif match := _INDEX.match(line):
            header.old_blob, header.new_blob = match.group(1), match.group(2)
        elif match := _SIMILARITY.match(line):
            header.similarity = int(match.group(1))
    return header
