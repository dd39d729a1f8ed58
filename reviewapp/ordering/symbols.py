"""What one changed file defines, changes, imports and uses: the language-neutral summary."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from reviewapp.ingest.parsed import ADDED, DELETED, ParsedFile

# An identifier or a dotted chain of them (`name`, `pkg.mod.func`). Possessive quantifiers:
# findall never restarts inside a word, so one pass over the text is linear.
NAME_OR_CHAIN = re.compile(r"[A-Za-z_$][\w$]*+(?:\.[A-Za-z_$][\w$]*+)*+")
# The same, keeping an opening parenthesis that follows (`parse(`, `click.argument (`).
NAME_OR_CHAIN_CALL = re.compile(r"[A-Za-z_$][\w$]*+(?:\.[A-Za-z_$][\w$]*+)*+(?:[ \t]*+\()?+")
# What follows `://` in a URL: its host (`requests.readthedocs.io`) is no chain of modules.
URL_TAIL = re.compile(r"://[^\s\"'<>)\]]*")


@dataclass(frozen=True)
class ImportCandidate:
    """One place an import may point to; `names` are what the importer takes from it."""

    path: str  # a repository path (anchored) or a path suffix (not anchored)
    names: frozenset[str] = frozenset()  # empty: unknown, fall back to the importer's uses
    anchored: bool = False  # True: `path` is exact (relative import); False: match a suffix
    is_dir: bool = False  # True: every changed file in that directory (a Go package)


@dataclass(frozen=True)
class ImportRef:
    """One import statement's target: the first candidate that names a changed file wins."""

    candidates: tuple[ImportCandidate, ...]
    # False: an explicit import, so link the target even when we cannot tell which names are
    # taken (for a Go package directory: link all its files). True: link only a target that
    # defines a name the user mentions (implicit links: same Go package, pytest's conftest.py).
    require_names: bool = False


@dataclass(frozen=True)
class FileSymbols:
    """The summary one language analyser produces for one changed file."""

    defines: frozenset[str] = frozenset()  # top-level names, both sides for a deletion
    changes: frozenset[str] = frozenset()  # defined names the diff adds, edits or removes
    imports: tuple[ImportRef, ...] = ()
    uses: frozenset[str] = frozenset()  # identifiers the file references
    chains: frozenset[str] = frozenset()  # dotted chains it mentions (`store.Open`)
    # Names a package's __init__ takes from its own modules and hands on: `defines` holds them
    # (users import them from the package), but the module that made them is their definer.
    reexports: frozenset[str] = frozenset()
    whole_file: bool = False  # the whole text was seen, so `imports` is complete


EMPTY = FileSymbols()


def whole_file_seen(file: ParsedFile) -> bool:
    """True when the full text is known: given, or all in hunks (an added or deleted file)."""
    if file.status == DELETED:
        return file.old_content is not None or bool(file.hunks)
    return file.new_content is not None or file.status == ADDED


def new_side_text(file: ParsedFile) -> str:
    """The new file when known, else the lines the hunks show of it (context and added)."""
    if file.status == DELETED:
        return ""
    if file.new_content is not None:
        return file.new_content
    return hunk_text(file, "+")


def old_side_text(file: ParsedFile) -> str:
    """The old file when known, else the lines the hunks show of it (context and removed)."""
    if file.old_content is not None:
        return file.old_content
    return hunk_text(file, "-")


def hunk_text(file: ParsedFile, side: str) -> str:
    """Hunk lines of one side (`side` is '+' or '-'), hunks separated by a blank line."""
    chunks = []
    for hunk in file.hunks:
        chunks.append("\n".join(line.text for line in hunk.lines if line.kind in (" ", side)))
    return "\n\n".join(chunks)


def side_lines(file: ParsedFile, kind: str) -> list[str]:
    """Text of every line of one kind: "+" (added) or "-" (removed)."""
    return [line.text for hunk in file.hunks for line in hunk.lines if line.kind == kind]


@dataclass(frozen=True)
class Scan:
    """Identifiers and dotted chains of a text, found in one pass."""

    names: frozenset[str]  # every identifier-looking token, parts of chains included
    chains: frozenset[str]  # `a.b.c` chains: attribute access on modules and objects
    called: frozenset[str] = frozenset()  # names followed by `(` (only with `fragment`)
    # Names seen alone or heading a chain (only with `fragment`): `Dict` in `typing.Dict` is
    # typing's, not a use of a changed file's `Dict`.
    bare: frozenset[str] = frozenset()


def scan(text: str, fragment: bool = False) -> Scan:
    """Cheap and good enough to tell which names a file uses (comments and strings count too).

    `fragment`: the text is hunks whose names feed name guesses, so skip URL hosts and paths
    and note which names are called (whole files, whose imports are known, do without).
    """
    if not fragment:
        tokens = set(NAME_OR_CHAIN.findall(text))
        called: frozenset[str] = frozenset()
    else:
        if "://" in text:
            text = URL_TAIL.sub(" ", text)
        tokens = set()
        calls = set()
        for token in NAME_OR_CHAIN_CALL.findall(text):
            if token[-1] == "(":
                token = token[:-1].rstrip()
                calls.add(token.rsplit(".", 1)[-1])
            tokens.add(token)
        called = frozenset(calls)
    chains = frozenset(token for token in tokens if "." in token)
    names = {token for token in tokens if "." not in token}
    bare = frozenset(names | {chain.split(".", 1)[0] for chain in chains}) if fragment \
        else frozenset()
    for chain in chains:
        names.update(chain.split("."))
    return Scan(frozenset(names), chains, called, bare)


def attributes_of(chains: Iterable[str], prefix: str) -> frozenset[str]:
    """Names reached as `prefix.NAME` in the dotted chains (attribute access on a module)."""
    start = prefix + "."
    return frozenset(
        chain[len(start) :].split(".", 1)[0] for chain in chains if chain.startswith(start)
    )
