"""A finding's suggested fix, produced through the inference engine's Apply on the real file and
returned as a committable patch.

The bug model's `replacement` replaces exactly the finding's span, and a forgotten import's fix
also adds the finding's `added_import` to the file's imports. From that we write the lazy
sketch an editor would send (the fixed lines between unchanged anchor lines, the rest elided by
`# ... existing code ...`), and Apply merges it into the file (deterministically: the anchors
are chosen to be unique, so no model runs). The merge is checked against the exact span edit;
if Apply is unavailable or disagrees, the exact span edit is the fix and `method` says so.
"""

from __future__ import annotations

import difflib
import logging
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from reviewapp.findings.import_lines import UnplacedImport, add_import

if TYPE_CHECKING:
    from inference.client import InferenceClient

log = logging.getLogger(__name__)

# Lines of context in the patch, as `git diff` writes them.
PATCH_CONTEXT = 3
# The sketch's anchors grow until they are unique in the original, up to this many lines.
MAX_ANCHOR_LINES = 12
HASH_COMMENT_SUFFIXES = (".py", ".pyi", ".rb", ".sh", ".bash", ".toml", ".yaml", ".yml", ".r",
                         ".pl", ".cfg", ".ini", ".mk", "Makefile", "Dockerfile")


class NoFix(ValueError):
    """The finding has no fix that can be made into a patch (the reason in words)."""


class Span(Protocol):
    """What a finding says about where its fix goes (`bugmodel.Finding` and the model both)."""

    line: int
    end_line: int
    column: int
    end_column: int
    replacement: str
    added_import: str  # "" for none


@dataclass(frozen=True)
class FixSource:
    """The text a fix is made on: the whole new file, or (a pasted diff, where only the hunks
    are known) the contiguous new-side lines of the hunk that holds the finding."""

    text: str
    first_line: int = 1  # the new-side line number of the text's first line
    whole_file: bool = True  # False for a hunk's lines (they need not parse on their own)


@dataclass(frozen=True)
class SuggestedFix:
    """A committable fix: `patch` is a git-style unified diff (`a/`, `b/` paths)."""

    path: str
    patch: str
    method: str  # "apply (deterministic)" and the like, or "exact span"


def replace_span(source: FixSource, span: Span) -> str:
    """`source.text` with the span replaced by `span.replacement`; raises NoFix when the span
    does not lie inside the text."""
    lines = source.text.splitlines(keepends=True)
    first, last = span.line - source.first_line, span.end_line - source.first_line
    if not (0 <= first <= last < len(lines)):
        raise NoFix(f"line {span.line} is not in the known text of the file")
    start_line, end_line = lines[first], lines[last].rstrip("\r\n")
    if span.column > len(start_line.rstrip("\r\n")) or span.end_column > len(end_line):
        raise NoFix(f"the finding's columns do not fit line {span.line}")
    ending = lines[last][len(end_line):]
    fixed = start_line[:span.column] + span.replacement + end_line[span.end_column:] + ending
    return "".join(lines[:first]) + fixed + "".join(lines[last + 1:])


def marker_for(path: str) -> str:
    """The elision comment in the file's comment syntax."""
    comment = "#" if path.endswith(HASH_COMMENT_SUFFIXES) else "//"
    return f"{comment} ... existing code ..."


def sketch_for(original: str, fixed: str, path: str) -> str:
    """A lazy sketch of `fixed` against `original`: the changed lines with unchanged anchor
    lines around them that occur once in the original, the rest elided."""
    old, new = original.splitlines(keepends=True), fixed.splitlines(keepends=True)
    head = next((i for i, (a, b) in enumerate(zip(old, new, strict=False)) if a != b),
                min(len(old), len(new)))
    tail = 0
    while tail < min(len(old), len(new)) - head and old[-1 - tail] == new[-1 - tail]:
        tail += 1
    start, end = head, len(new) - tail  # the changed lines are new[start:end]

    def unique(line: str) -> bool:
        return bool(line.strip()) and old.count(line) == 1

    before = start - 1
    while before > 0 and start - before < MAX_ANCHOR_LINES and not unique(new[before]):
        before -= 1
    after = end
    while after < len(new) - 1 and after - end < MAX_ANCHOR_LINES and not unique(new[after]):
        after += 1
    first, last = max(before, 0), min(after, len(new) - 1)
    body = "".join(new[first:last + 1])
    if not body.endswith("\n"):
        body += "\n"
    lead = _indent(new[first]) + marker_for(path) + "\n" if first > 0 else ""
    trail = _indent(new[last]) + marker_for(path) + "\n" if last < len(new) - 1 else ""
    return lead + body + trail


def _indent(line: str) -> str:
    return line[:len(line) - len(line.lstrip())].rstrip("\r\n")


def unified_patch(path: str, before: str, after: str, first_line: int = 1) -> str:
    """A git-style unified diff of one file; `first_line` shifts the hunk headers when the
    texts are a fragment that starts at that line of the file."""
    lines = difflib.unified_diff(before.splitlines(keepends=True),
                                 after.splitlines(keepends=True),
                                 f"a/{path}", f"b/{path}", n=PATCH_CONTEXT)
    out = []
    shift = first_line - 1
    for line in lines:
        header = re.match(r"@@ -(\d+)(,\d+)? \+(\d+)(,\d+)? @@", line)
        if header and shift:
            line = (f"@@ -{int(header[1]) + shift}{header[2] or ''} "
                    f"+{int(header[3]) + shift}{header[4] or ''} @@\n")
        out.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    return f"diff --git a/{path} b/{path}\n" + "".join(out)


def suggest_fix(path: str, source: FixSource, span: Span,
                client: InferenceClient | None = None) -> SuggestedFix:
    """The finding's fix as a patch, merged by Apply (`client`, default `get_client()`, which
    honours SQUIGGLE_INFERENCE_URL). Raises NoFix when there is nothing to apply."""
    if not span.replacement and span.column == span.end_column and not span.added_import:
        raise NoFix("this finding has no suggested replacement")
    expected = replace_span(source, span)
    if span.added_import:
        if not source.whole_file:
            raise NoFix(f"the fix adds `{span.added_import}` to the file's imports, which are "
                        "not in the diff: add it by hand")
        try:
            expected = add_import(expected, span.added_import)
        except UnplacedImport as exc:
            raise NoFix(str(exc)) from exc
    if expected == source.text:
        raise NoFix("the suggested replacement changes nothing")
    method = "exact span"
    try:
        client = client or apply_client()
        result = client.apply(source.text, sketch_for(source.text, expected, path),
                              path=path if source.whole_file else None)
    except Exception as exc:  # Apply unavailable or no merge: the exact span edit stands
        log.warning("Apply did not merge the fix for %s:%s (%s); using the exact span",
                    path, span.line, exc)
    else:
        if result.text == expected:
            method = f"apply ({result.path})"
        else:
            log.warning("Apply's merge for %s:%s differs from the exact span edit; using the "
                        "exact span", path, span.line)
    return SuggestedFix(path, unified_patch(path, source.text, expected, source.first_line), method)


def apply_client() -> InferenceClient:
    """The configured inference client (the service at SQUIGGLE_INFERENCE_URL, when set).

    In-process, one that never loads a model unless this process already has it: the sketch's
    anchors are unique, so the deterministic merge needs none, and a reviewer's click must not
    wait 20 s for a model to load.
    """
    from inference.client import LocalClient, get_client

    client = get_client()
    if isinstance(client, LocalClient) and not client.model_loaded:
        return LocalClient(engine=_no_model)
    return client


def _no_model():
    raise RuntimeError("no language model is loaded in this process to merge the fix")
