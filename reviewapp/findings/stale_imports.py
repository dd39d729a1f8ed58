"""Names a change removes from a module that other modules of the repository still import.

A rename or a removal leaves every `from pkg.mod import name` elsewhere raising ImportError the
moment that module is imported; pyflakes, reading one file, cannot see it, and a review of the
changed files alone does not show the importers. With the head at hand (`HeadCheckout`), each
module the change modifies or deletes is compared before and after, and the head's files that
import from it are read: an unguarded module-level import of a name that is gone is reported.

The finding sits on the import itself when the diff shows that line, else where the name was
removed (the hunk's first added line, often the renamed `def`, or the line beside a
pure removal). A deleted module has no line left to hold a finding: its importers outside the
diff become a note of the review. Modules that make names at run time (a module `__getattr__`,
a star import) are left alone, and so are a package's submodules.
"""

from __future__ import annotations

import ast
import logging
import posixpath
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from reviewapp.findings.repository_names import (
    OWN_NAME_ROOTS,
    defined_names,
    imported_module,
    module_level,
    module_name,
)
from reviewapp.ingest.parsed import ADDED, MODIFIED, RENAMED, ParsedDiff, ParsedFile

if TYPE_CHECKING:
    from bugmodel.detection import Finding
    from reviewapp.findings.checkout import HeadCheckout

log = logging.getLogger(__name__)

KIND = "stale_import"
#: How the review's notes about deleted modules begin (each stage replaces its own notes).
NOTE_PREFIX = "imports: "
#: An unguarded module-level import of a name its module no longer binds raises ImportError;
#: the doubt left is whether anyone still imports that code. Laplace's rule over the stale
#: names of nine real histories that a later commit fixed or removed: 29 of 31
#: (`benchmarks/stale_imports.py`; `bugmodel/MODEL_CARD.md`).
PROBABILITY = 0.91
#: Importing files read per changed module, at most.
MAX_IMPORTERS = 60
#: Importers a message names before "and N more".
NAMED_IMPORTERS = 3


@dataclass
class StaleImport:
    """`name`, gone from `module` (the file `definer` of the diff, whose old version bound it
    on `old_line`), still imported by `importers`: (path, line, column, end column), ..."""

    definer: ParsedFile
    module: str
    name: str
    old_line: int
    importers: list[tuple[str, int, int, int]] = field(default_factory=list)


def stale_import_findings(diff: ParsedDiff, checkout: HeadCheckout | None,
                          notes: list[str] | None = None) -> list[Finding]:
    """Findings for the names the diff removes from modules that the head's other files
    still import (none without a checkout); a deleted module's importers outside the diff
    are added to `notes`."""
    return reported(stale_imports(diff, checkout), diff, notes)


def reported(stale_found: list[StaleImport], diff: ParsedDiff,
             notes: list[str] | None = None) -> list[Finding]:
    """The findings (and notes, one per module) a review shows for `stale_imports`'
    results."""
    findings = []
    shown = {(file.path, line.new_lineno) for file in diff.files for hunk in file.hunks
             for line in hunk.lines if line.kind != "-"}
    unanchored: dict[str, list[StaleImport]] = {}
    for stale in stale_found:
        outside = []
        for importer in stale.importers:
            if importer[:2] in shown:  # the import is on a line the diff shows
                findings.append(_on_import(stale, *importer))
            else:
                outside.append(importer)
        anchor = _anchor(stale.definer, stale.old_line) if outside else None
        if anchor is not None:
            findings.append(_on_removal(stale, outside, *anchor))
        elif outside:
            unanchored.setdefault(stale.module, []).append(
                StaleImport(stale.definer, stale.module, stale.name, stale.old_line, outside))
    if notes is not None:
        notes += [_note(module, stales) for module, stales in unanchored.items()]
    return findings


def _note(module: str, stales: list[StaleImport]) -> str:
    """One note for a module whose removed names have no line in the diff to hold them."""
    definer = stales[0].definer
    gone = f"moves to `{definer.path}`" if definer.status == RENAMED else "deletes"
    first: dict[str, int] = {}
    for stale in stales:
        for path, line, *_ in stale.importers:
            first[path] = min(line, first.get(path, line))
    names = ", ".join(f"`{s.name}`" for s in stales[:NAMED_IMPORTERS])
    if len(stales) > NAMED_IMPORTERS:
        names += f" and {len(stales) - NAMED_IMPORTERS} more names"
    who = _who([(path, line, 0, 0) for path, line in first.items()])
    return (f"{NOTE_PREFIX}{who} still {_import_verb(len(first))} {names} from `{module}`, which "
            f"this change {gone}: ImportError when {_pronoun(len(first))} imported")


def stale_imports(diff: ParsedDiff, checkout: HeadCheckout | None) -> list[StaleImport]:
    """Every name that a modified or deleted Python module of the diff no longer binds and
    that another file of the head still imports from it."""
    if checkout is None:
        return []
    from reviewapp.findings.checkout import CheckoutUnreadable

    found = []
    new_modules = _new_modules(diff)
    for file in diff.files:
        gone = _removed_names(file, new_modules)
        if not gone:
            continue
        module = module_name(file.old_path)
        try:
            gone = _without_submodules(file.old_path, gone, checkout)
            if not gone or module not in new_modules and _aliased(module, checkout):
                continue
            texts = checkout.files_matching(_import_pattern(module), ".py", MAX_IMPORTERS)
        except CheckoutUnreadable as exc:
            log.warning("the importers of %s were not read: %s", module, exc)
            continue
        stale = {name: StaleImport(file, module, name, line) for name, line in gone.items()}
        for path, text in sorted(texts.items()):
            if path in (file.path, file.old_path):
                continue
            for name, position in imported_from(text, path, module).items():
                if name in stale:
                    stale[name].importers.append((path, *position))
        found += [s for s in stale.values() if s.importers]
    return found


def module_names(text: str) -> set[str] | None:
    """Every name the module binds at module level, imports included; None when it makes
    names at run time (a module `__getattr__`, a star import) or does not parse."""
    bindings = _bindings(text)
    return None if bindings is None else set(bindings)


def imported_from(text: str, path: str, module: str) -> dict[str, tuple[int, int, int]]:
    """The names the file at `path` imports from `module` at module level, outside any `try`
    or `if` (whose other branch may handle the ImportError): name -> (line, column, end
    column) of its name in the import."""
    try:
        body = ast.parse(text).body
    except (SyntaxError, ValueError, RecursionError):
        return {}
    names = {}
    for node in body:
        if isinstance(node, ast.ImportFrom) and imported_module(node, path) == module:
            for alias in node.names:
                end = alias.col_offset + len(alias.name)
                names.setdefault(alias.name, (alias.lineno, alias.col_offset, end))
    return names


def _bindings(text: str) -> dict[str, int] | None:
    """Module-level name -> the line that binds it (`module_names`)."""
    try:
        body = ast.parse(text).body
    except (SyntaxError, ValueError, RecursionError):
        return None
    lines: dict[str, int] = {}
    for node in module_level(body):
        bound = set(defined_names(node))
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            if any(alias.name == "*" for alias in node.names):
                return None
            bound |= {alias.asname or alias.name.split(".")[0] for alias in node.names}
        for name in bound:
            lines[name] = min(lines.get(name, node.lineno), node.lineno)
    return None if "__getattr__" in lines else lines


def _removed_names(file: ParsedFile, new_modules: dict[str, str | None]) -> dict[str, int]:
    """The public names the old module bound and the new one does not, with their old lines;
    {} when either side is unknown or makes names at run time."""
    if not file.old_path.endswith(".py") or file.old_content is None or file.status == ADDED:
        return {}
    module = module_name(file.old_path)
    if not module:
        return {}
    if module in new_modules and new_modules[module] is None:
        return {}  # the new text is unknown (too large to fetch)
    old = _bindings(file.old_content)
    new = module_names(new_modules[module]) if module in new_modules else set()
    if old is None or new is None:
        return {}
    gone = [(line, name) for name, line in old.items()
            if name not in new and not name.startswith("__")]
    return {name: line for line, name in sorted(gone)}


def _new_modules(diff: ParsedDiff) -> dict[str, str | None]:
    """The modules the diff leaves in place, by dotted name, with their new text (None when
    unknown): a file's own new version, or the file the same name now imports (`pkg/mod.py`
    become `pkg/mod/__init__.py`)."""
    return {module_name(file.path): file.new_content for file in diff.files
            if file.status in (ADDED, RENAMED, MODIFIED) and module_name(file.path)}


def _without_submodules(old_path: str, gone: dict[str, int],
                        checkout: HeadCheckout) -> dict[str, int]:
    """`gone` without the names that are modules of the package at the head (`from pkg
    import mod` still works), the module's own package if it became one included."""
    package = (posixpath.dirname(old_path) if old_path.endswith("__init__.py")
               else old_path.removesuffix(".py"))
    # One listing of the package and of the folders its removed names may be packages in.
    listed = checkout.paths_beside([package, *(posixpath.join(package, n) for n in gone)], ".py")
    present = {posixpath.basename(p).removesuffix(".py") for p in listed
               if posixpath.dirname(p) == package}
    present |= {posixpath.basename(posixpath.dirname(p)) for p in listed
                if posixpath.basename(p) == "__init__.py" and posixpath.dirname(p) != package}
    return {name: line for name, line in gone.items() if name not in present}


def _aliased(module: str, checkout: HeadCheckout) -> bool:
    """Whether a file of the head puts a module under the deleted module's name
    (`sys.modules['alembic.migration'] = migration`)."""
    dotted = module.replace(".", "[.]")
    return bool(checkout.files_matching(f"sys[.]modules.*{dotted}", ".py", 1))


def _import_pattern(module: str) -> str:
    """A line that may import from `module`: `from <...module> import` or a relative
    `from . import` (`git grep -E` and Python's `re` alike)."""
    last = module.split(".")[-1]
    return f"from[ \t]+([.A-Za-z0-9_]*{last}|[.]+)[ \t]+import"


def _anchor(file: ParsedFile, old_line: int) -> tuple[int, int, int, str] | None:
    """(line, column, end column, the code between them) on the new side of `file` where the
    binding on `old_line` was removed: the first added line of its hunk, else the kept line
    before (or after) the removal; None for a file with no new side."""
    if file.new_content is None:
        return None
    lines = file.new_content.split("\n")
    for hunk in file.hunks:
        if not hunk.old_start <= old_line < hunk.old_start + max(hunk.old_lines, 1):
            continue
        added = [line.new_lineno for line in hunk.lines if line.kind == "+"]
        kept = list(_kept_around(hunk.lines, old_line))
        number = added[0] if added else kept[0] if kept else None
        if number and 0 < number <= len(lines):
            text = lines[number - 1]
            return number, len(text) - len(text.lstrip()), len(text), text.lstrip()
    return None


def _kept_around(lines: list, old_line: int) -> Iterator[int]:
    """New-side numbers of the hunk's context lines, the nearest before `old_line` first."""
    before = [line.new_lineno for line in lines if line.kind == " " and line.old_lineno < old_line]
    after = [line.new_lineno for line in lines if line.kind == " " and line.old_lineno > old_line]
    yield from reversed(before)
    yield from after


def _who(importers: list[tuple[str, int, int, int]]) -> str:
    """The importers in words, the library's own modules before tests, examples and docs."""
    importers = sorted(importers, key=lambda i: (i[0].split("/")[0] in OWN_NAME_ROOTS, i[0]))
    named = [f"`{path}` line {line}" for path, line, _, _ in importers[:NAMED_IMPORTERS]]
    more = len(importers) - NAMED_IMPORTERS
    return ", ".join(named) + (f" and {more} more" if more > 0 else "")


def _import_verb(count: int) -> str:
    return "imports" if count == 1 else "import"


def _pronoun(count: int) -> str:
    return "it is" if count == 1 else "they are"


def _on_import(stale: StaleImport, path: str, line: int, column: int, end: int) -> Finding:
    return _finding(path, line, column, end, stale.name,
                    f"`{stale.module}` no longer has `{stale.name}`: this change removes it "
                    f"from `{stale.definer.old_path}`, so this import raises ImportError")


def _on_removal(stale: StaleImport, importers: list[tuple[str, int, int, int]], line: int,
                column: int, end: int, code: str) -> Finding:
    return _finding(stale.definer.path, line, column, end, code,
                    f"this change removes `{stale.name}` from `{stale.module}`, but "
                    f"{_who(importers)} still {_import_verb(len(importers))} it: ImportError "
                    f"when {_pronoun(len(importers))} imported")


def _finding(path: str, line: int, column: int, end: int, text: str, message: str) -> Finding:
    from bugmodel.detection import Finding
    from bugmodel.messages import severity

    return Finding(path, line, line, column, end, KIND, message, PROBABILITY,
                   severity("exception", PROBABILITY), text)
