"""Unified diff text (git or plain) to a ParsedDiff.

unidiff reads the file structure (headers, hunk ranges, binary and mode markers) and checks
that every hunk has the lines its header announces, in its fast `metadata_only` mode. The hunk
bodies are then read into ParsedLine objects by the tight loop in `_read_hunk`, which can trust
those counts: a full unidiff parse plus conversion was about 4x slower on a 100k-line diff.
"""

from __future__ import annotations

import bisect
import io
import re

from unidiff import PatchSet
from unidiff.errors import UnidiffParseError
from unidiff.patch import PatchedFile

from .decoding import DecodedDiff, decode_diff, encoding_label
from .errors import DiffParseError, DiffTooLarge
from .gc_pause import cyclic_gc_paused
from .headers import DEV_NULL, GitHeader, header_path, parse_git_header, strip_prefixes
from .language import detect_language
from .limits import IngestLimits
from .parsed import (
    ADDED,
    COPIED,
    DELETED,
    MODIFIED,
    RENAMED,
    ParsedDiff,
    ParsedFile,
    ParsedHunk,
    ParsedLine,
)
from .unidiff_guard import guard_lines

__all__ = ["IngestLimits", "parse_diff"]

NO_CHANGES = "no file changes found in the diff"
_HUNK_HEADER = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


def parse_diff(data: bytes | str, *, limits: IngestLimits | None = None) -> ParsedDiff:
    """Parse a unified diff; raises DiffParseError (malformed) or DiffTooLarge (past a limit)."""
    limits = limits or IngestLimits()
    size = len(data) if isinstance(data, bytes) or data.isascii() else _utf8_size(data)
    if size > limits.max_bytes:
        raise DiffTooLarge("bytes", limits.max_bytes, size)
    decoded = decode_diff(data)
    text = decoded.text
    line_count = text.count("\n") + (not text.endswith("\n"))
    if line_count > limits.max_lines:
        raise DiffTooLarge("lines", limits.max_lines, line_count)
    if not text or text.isspace():
        raise DiffParseError(NO_CHANGES)
    _refuse_combined_diff(text)
    git_headers = text.count("\ndiff --git ") + text.startswith("diff --git ")
    if git_headers > limits.max_files:  # checked early too: it bounds unidiff's work
        raise DiffTooLarge("files", limits.max_files, git_headers)
    with cyclic_gc_paused():
        files, starts = _parse_files(text, limits, decoded.warnings)
    warnings = decoded.warnings + _fallback_warnings(decoded, files, starts) + [
        f"{f.path}: the file name is not valid UTF-8; undecodable bytes are shown as \ufffd"
        for f in files if "\ufffd" in f.path]
    return ParsedDiff(files=files, warnings=warnings, raw_text=text)


def _parse_files(text: str, limits: IngestLimits,
                 warnings: list[str]) -> tuple[list[ParsedFile], list[int]]:
    """The file entries and the 0-based line where each starts."""
    # Split on "\n" only (str.splitlines would also split on form feeds and U+2028), and end
    # every line with "\n" so the hunk loop can cut it blindly.
    lines = list(io.StringIO(text if text.endswith("\n") else text + "\n"))
    guarded = guard_lines(text, lines)
    patch = _read_structure(lines, guarded.view, warnings)
    if not patch:
        raise DiffParseError(NO_CHANGES)
    if len(patch) > limits.max_files:
        raise DiffTooLarge("files", limits.max_files, len(patch))
    guarded.restore(patch)
    starts = [pf.diff_line_no - 1 for pf in patch]
    ends = starts[1:] + [len(lines)]
    files = [_build_file(pf, lines, start, end)
             for pf, start, end in zip(patch, starts, ends, strict=True)]
    _check_unique_paths(files, starts)
    return files, starts


def _refuse_combined_diff(text: str) -> None:
    """`git show` of a merge prints a combined diff ("diff --cc", "@@@"): say so plainly."""
    for marker in ("diff --cc ", "diff --combined "):
        at = 0 if text.startswith(marker) else text.find("\n" + marker) + 1
        if at == 0 and not text.startswith(marker):
            continue
        line_no = text.count("\n", 0, at) + 1
        raise DiffParseError(
            f"line {line_no} starts a combined diff of a merge commit, which is not "
            "supported; diff against one parent instead (git diff MERGE^1 MERGE)",
            line=line_no)


def _utf8_size(text: str) -> int:
    return len(text.encode("utf-8", "surrogatepass"))


def _read_structure(lines: list[str], view: list[str], warnings: list[str]) -> PatchSet:
    """unidiff's view of the files and hunks; its errors become DiffParseError with a line.

    `view` is `lines` as unidiff may read them (see unidiff_guard); messages quote `lines`.
    """
    it = iter(view)
    try:
        return PatchSet(it, metadata_only=True)
    except UnidiffParseError as exc:
        # The iterator tells how far unidiff read: that line is where it gave up.
        line_no = max(1, len(view) - it.__length_hint__())
        missing = _trimmed_blank_lines(lines) if str(exc).startswith("Hunk is shorter") else 0
        if not missing:
            raise _explain(str(exc), lines, line_no) from None
    except (ValueError, IndexError, KeyError, AttributeError, TypeError, AssertionError):
        line_no = max(1, len(view) - it.__length_hint__())
        raise DiffParseError(f"line {line_no} of the diff cannot be parsed: "
                             f"{_quote(lines[line_no - 1])}", line=line_no) from None
    # Copying a diff out of a terminal or through a form that trims whitespace loses the
    # blank context lines at its very end; like GNU patch, put them back (and say so).
    lines += ["\n"] * missing
    if view is not lines:
        view += ["\n"] * missing
    warnings.append(f"the last hunk ended {missing} blank context line{'s' * (missing > 1)} "
                    "early (trailing whitespace was trimmed); they were restored")
    return _read_structure(lines, view, warnings)


def _trimmed_blank_lines(lines: list[str]) -> int:
    """How many context lines the last hunk lacks, when only (at most 3) trailing ones do."""
    header = _enclosing_hunk(lines, len(lines))
    match = _HUNK_HEADER.match(lines[header - 1])
    if not match:
        return 0
    old_left = int(match.group(2) or 1)
    new_left = int(match.group(4) or 1)
    for line in lines[header:]:
        kind = line[0]
        old_left -= kind != "+" and kind != "\\"
        new_left -= kind != "-" and kind != "\\"
    # A cut in the middle of the changes is truncation, not trimmed trailing context.
    trailing_context = lines[-1][0] in " \n" and header < len(lines)
    return old_left if trailing_context and old_left == new_left and 0 < old_left <= 3 else 0


def _explain(message: str, lines: list[str], line_no: int) -> DiffParseError:
    """A sentence for one of unidiff's terse errors."""
    line = _quote(lines[line_no - 1])
    hunk_no = _enclosing_hunk(lines, line_no)
    hunk = f"the hunk at line {hunk_no} ({lines[hunk_no - 1].split(' @@')[0]} @@)"
    if message.startswith("Hunk is shorter"):
        text = f"the diff ends inside {hunk}: it has fewer lines than its header announces"
    elif message.startswith("Hunk is longer"):
        text = f"{hunk} has more lines than its header announces (line {line_no}: {line})"
    elif message.startswith("Hunk diff line expected"):
        text = (f"line {line_no} ({line}) is not a hunk line (those start with ' ', '+' or '-'), "
                f"but {hunk} announces more lines")
    elif message.startswith("Unexpected hunk"):
        text = f"line {line_no} is a hunk header ({line}) that follows no file header"
    elif message.startswith("Target without source"):
        text = f"line {line_no} ({line}) is a '+++' file header without a '---' header before it"
    else:
        text = f"line {line_no} of the diff cannot be parsed ({line}): {message.split(':')[0]}"
    return DiffParseError(text, line=line_no)


def _enclosing_hunk(lines: list[str], line_no: int) -> int:
    """The 1-based line of the last hunk header at or before `line_no` (`line_no` if none)."""
    for index in range(line_no - 1, -1, -1):
        if lines[index].startswith("@@ "):
            return index + 1
    return line_no


def _quote(line: str) -> str:
    line = line.rstrip("\r\n")
    return repr(line if len(line) <= 60 else line[:57] + "...")


def _build_file(pf: PatchedFile, lines: list[str], start: int, end: int) -> ParsedFile:
    """One file entry: paths and status from its headers, hunks from its body lines."""
    hunks: list[ParsedHunk] = []
    first_hunk = None
    pos = start + 1
    try:
        for uh in pf:
            while not lines[pos].startswith("@@"):
                pos += 1
            first_hunk = pos if first_hunk is None else first_hunk
            hunk = ParsedHunk(uh.source_start, uh.source_length, uh.target_start,
                              uh.target_length, uh.section_header.rstrip("\r"))
            pos = _read_hunk(lines, pos + 1, hunk)
            hunks.append(hunk)
    except IndexError:  # unidiff accepted the counts, so only a parser disagreement gets here
        raise DiffParseError(f"the diff ends inside a hunk of the file at line {start + 1}",
                             line=len(lines)) from None
    # unidiff files a header it cannot read ("@@ -x +1 @@") as text between files, and the
    # lines under it would be lost: refuse instead.
    for index in [pos] if hunks else range(start, end):
        if index < len(lines) and lines[index].startswith("@@"):
            raise DiffParseError(
                f"line {index + 1} ({_quote(lines[index])}) is not a valid hunk header; "
                "expected '@@ -start,count +start,count @@'", line=index + 1)
    git = lines[start].startswith("diff --git ")
    header = parse_git_header(lines[start:first_hunk if first_hunk is not None else end])
    parsed = _git_file(pf, header) if git else _plain_file(pf)
    _check_safe_paths(parsed, start + 1)
    parsed.hunks = hunks
    parsed.is_binary = pf.is_binary_file
    parsed.old_mode, parsed.new_mode = pf.source_mode, pf.target_mode
    parsed.old_blob, parsed.new_blob = header.old_blob, header.new_blob
    parsed.language = detect_language(parsed.path)
    if not hunks and not parsed.is_binary:
        _check_hunkless(parsed, header, git, start + 1)
    return parsed


def _read_hunk(lines: list[str], pos: int, hunk: ParsedHunk) -> int:
    """Fill `hunk` from the body starting at `pos`; returns the index after it.

    unidiff has checked the body against the header, so this loop only dispatches on the
    first character. It is the hot path of a big diff: keep it free of calls and regexes.
    """
    old_no, new_no = hunk.old_start, hunk.new_start
    old_left, new_left = hunk.old_lines, hunk.new_lines
    body = hunk.lines
    append = body.append
    while old_left > 0 or new_left > 0:
        line = lines[pos]
        pos += 1
        kind = line[0]
        if kind == "+":
            append(ParsedLine("+", line[1:-1], None, new_no))
            new_no += 1
            new_left -= 1
        elif kind == "-":
            append(ParsedLine("-", line[1:-1], old_no, None))
            old_no += 1
            old_left -= 1
        elif kind == " ":
            append(ParsedLine(" ", line[1:-1], old_no, new_no))
            old_no += 1
            new_no += 1
            old_left -= 1
            new_left -= 1
        elif kind == "\\":
            if body:
                body[-1].no_newline_at_end = True
        else:  # a blank context line whose leading space an editor or mailer stripped
            append(ParsedLine(" ", line[:-1], old_no, new_no))
            old_no += 1
            new_no += 1
            old_left -= 1
            new_left -= 1
    if pos < len(lines):
        following = lines[pos]
        if following[0] == "\\":  # "\ No newline at end of file" after the last line
            if body:
                body[-1].no_newline_at_end = True
            pos += 1
        elif _looks_like_body(following):
            raise DiffParseError(
                f"the hunk at line {_enclosing_hunk(lines, pos)} has more lines than its header "
                f"announces (line {pos + 1}: {_quote(following)})", line=pos + 1)
    return pos


def _looks_like_body(line: str) -> bool:
    """Whether a line right after a complete hunk is one more body line (a header mismatch).

    Exceptions: the next file's "---"/"+++" headers and format-patch's "-- " signature.
    """
    if line[0] not in "+- ":
        return False
    return not line.startswith(("--- ", "+++ ")) and line.rstrip("\r\n") != "-- "


def _git_file(pf: PatchedFile, header: GitHeader) -> ParsedFile:
    raw_old = header.minus_path or header_path(pf.source_file)
    raw_new = header.plus_path or header_path(pf.target_file)
    old, new = strip_prefixes(raw_old, raw_new, git=True)
    similarity = header.similarity
    if header.rename_from and header.rename_to:
        return ParsedFile(header.rename_to, header.rename_from, RENAMED, similarity=similarity)
    if header.copy_from and header.copy_to:
        return ParsedFile(header.copy_to, header.copy_from, COPIED, similarity=similarity)
    if header.new_file or old == DEV_NULL:
        return ParsedFile(new, new, ADDED)
    if header.deleted_file or new == DEV_NULL:
        return ParsedFile(old, old, DELETED)
    return ParsedFile(new, old, MODIFIED)


def _plain_file(pf: PatchedFile) -> ParsedFile:
    old, new = strip_prefixes(header_path(pf.source_file), header_path(pf.target_file), False)
    # `diff -N` marks a missing side with the epoch instead of /dev/null.
    epoch_old = (pf.source_timestamp or "").startswith("1970-01-01")
    epoch_new = (pf.target_timestamp or "").startswith("1970-01-01")
    if old == DEV_NULL or (epoch_old and pf.is_added_file):
        return ParsedFile(new, new, ADDED)
    if new == DEV_NULL or (epoch_new and pf.is_removed_file):
        return ParsedFile(old, old, DELETED)
    # Plain diffs often compare "x.orig" with "x": a modification of the new name.
    return ParsedFile(new, old, MODIFIED)


def _check_safe_paths(parsed: ParsedFile, line_no: int) -> None:
    """Paths are relative to a repository's root: an absolute path or a `..` step is refused
    (a patch applied from such a diff would write outside the repository), and so is a name
    with NUL or control characters (a newline forges log lines, an escape sequence rewrites a
    terminal: no real change needs one)."""
    for path in {parsed.path, parsed.old_path}:
        if not path.strip():
            raise DiffParseError(f"the file entry at line {line_no} names no file (its path is "
                                 "empty)", line=line_no)
        parts = path.replace("\\", "/").split("/")
        if path.startswith(("/", "\\")) or ".." in parts or (parts and parts[0].endswith(":")):
            raise DiffParseError(
                f"the file entry at line {line_no} names {path!r}, a path outside the "
                "repository (absolute, a drive, or with '..'); diff paths must be relative to "
                "the repository's root", line=line_no)
        control = [char for char in path if ord(char) < 32 or 127 <= ord(char) < 160]
        if control:
            raise DiffParseError(
                f"the file entry at line {line_no} names {path!r}, with a NUL or control "
                f"character ({control[0]!r}) in it; such names are not accepted", line=line_no)


def _check_hunkless(parsed: ParsedFile, header: GitHeader, git: bool, line_no: int) -> None:
    """A text file entry without hunks is fine only when git says what changed instead."""
    meaningful = git and header.plus_path is None and (
        header.new_file or header.deleted_file or parsed.status in (RENAMED, COPIED)
        or parsed.mode_changed)
    if not meaningful:
        raise DiffParseError(
            f"the file entry for {parsed.path!r} at line {line_no} has no hunks; "
            "the diff looks truncated", line=line_no)


def _check_unique_paths(files: list[ParsedFile], starts: list[int]) -> None:
    """One entry per path: `git log -p` or a patch series changes a file more than once.

    The exception is git's type change (a file becoming a symlink, say): a deletion and an
    addition of the same path.
    """
    seen: dict[str, tuple[int, str]] = {}
    for f, start in zip(files, starts, strict=True):
        if f.path in seen:
            first, status = seen[f.path]
            if {status, f.status} != {DELETED, ADDED}:
                raise DiffParseError(
                    f"{f.path!r} appears twice in the diff (lines {first + 1} and "
                    f"{start + 1}); give one combined diff such as `git diff A..B`, not a "
                    "series of patches", line=start + 1)
        seen[f.path] = (start, f.status)


def _fallback_warnings(decoded: DecodedDiff, files: list[ParsedFile],
                       starts: list[int]) -> list[str]:
    """One warning per file with lines that were not UTF-8 (and one for text between files)."""
    if not decoded.fallback_lines:
        return []
    label = encoding_label(decoded.fallback_encodings)
    counts: dict[str, int] = {}
    for index in decoded.fallback_lines:
        slot = bisect.bisect_right(starts, index) - 1
        name = files[slot].path if slot >= 0 else ""
        counts[name] = counts.get(name, 0) + 1
    warnings = []
    for name, count in counts.items():
        lines = f"{count} line{'s' if count > 1 else ''}"
        where = f"{name}: " if name else "text before the first file: "
        warnings.append(f"{where}{lines} not valid UTF-8, decoded as {label}")
    return warnings
