"""Python: top-level definitions, imports (absolute, from, relative) and uses of one changed file.

A full file (git range) is read with `ast`; a pasted diff only shows hunk fragments, which rarely
parse, so fragments (and files with syntax errors) go through line-oriented regexes instead.
Uses (names and `module.attr` chains) come from one token scan rather than an `ast.walk`: a
superset (comments and strings count too) at a fifth of the cost, and only ever intersected
with what an imported module defines.
"""

from __future__ import annotations

import ast
import bisect
import posixpath
import re
import threading
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass

from reviewapp.ingest.parsed import ADDED, DELETED, ParsedFile, ParsedHunk

from .roles import is_test_path
from .symbols import (
    FileSymbols,
    ImportCandidate,
    ImportRef,
    Scan,
    attributes_of,
    hunk_text,
    scan,
    side_lines,
    whole_file_seen,
)

# ast.parse costs about 7 µs a line here; past this size the regex outline is good enough.
MAX_AST_CHARS = 2_000_000

# A statement at column 0 that starts a top-level definition.
TOP_LEVEL_DEF = re.compile(
    r"(?:async[ \t]+)?def[ \t]+(\w+)|class[ \t]+(\w+)|(\w+)[ \t]*(?::[^=\n]*)?=(?!=)"
)
FROM_IMPORT = re.compile(
    r"^[ \t]*from[ \t]+(\.*)[ \t]*([\w.]*)[ \t]+import[ \t]+(\([^)]{0,4000}\)?|[^\n]*)", re.M
)
PLAIN_IMPORT = re.compile(r"^[ \t]*import[ \t]+([\w. \t,]+)", re.M)
# Lines at column 0 that continue or annotate a statement rather than start a new one.
CONTINUATION_START = ("#", ")", "]", "}", '"', "'")
COLUMN_ZERO_STATEMENT = re.compile(r"^[^\s#)\]}\"'].*", re.M)


@dataclass(frozen=True)
class RawImport:
    """One imported module as written; `names` holds (name, bound alias) for a from-import."""

    level: int  # 0 for absolute, 1 for `from .`, 2 for `from ..`
    module: str  # dotted, "" for `from . import x`
    names: tuple[tuple[str, str], ...] = ()  # empty for `import a.b [as c]`
    alias: str = ""  # `import a.b as c` → "c"; "" means the chain `a.b` itself


@dataclass(frozen=True)
class Outline:
    """Top-level definitions with their line spans, and the imports of one text."""

    spans: tuple[tuple[int, int, str], ...]  # (first line incl. decorators, last line, name)
    imports: tuple[RawImport, ...]
    parsed: bool  # True when ast read it
    starts: tuple[int, ...] = ()  # first line of each span, for bisection

    def __post_init__(self) -> None:
        object.__setattr__(self, "starts", tuple(start for start, _, _ in self.spans))

    @property
    def names(self) -> frozenset[str]:
        return frozenset(name for _, _, name in self.spans)

    def name_at(self, lineno: int) -> str | None:
        """The top-level definition that contains line `lineno` (1-based), if any."""
        # Spans do not nest at top level, so the last one starting at or before the line decides.
        index = bisect.bisect_right(self.starts, lineno) - 1
        if index >= 0 and self.spans[index][1] >= lineno:
            return self.spans[index][2]
        return None


class OutlineCache:
    """Outlines by text, least recently used dropped first.

    Keyed by (length, hash) rather than by the text itself, so a worker that orders many large
    changes does not keep every file's text alive; a false hit needs a 64-bit hash collision
    between two texts of the same length.
    """

    def __init__(self, build: Callable[[str], Outline], size: int = 4096) -> None:
        self.build = build
        self.size = size
        self.entries: OrderedDict[tuple[int, int], Outline] = OrderedDict()
        self.lock = threading.Lock()  # web threads may order files concurrently

    def __call__(self, text: str) -> Outline:
        key = (len(text), hash(text))
        with self.lock:
            found = self.entries.get(key)
            if found is not None:
                self.entries.move_to_end(key)
                return found
        found = self.build(text)  # outside the lock: parsing is the slow part
        with self.lock:
            self.entries[key] = found
            if len(self.entries) > self.size:
                self.entries.popitem(last=False)
        return found

    def cache_clear(self) -> None:
        with self.lock:
            self.entries.clear()


def _outline(text: str) -> Outline:
    """Outline of a whole file: ast when it parses, regexes when it does not."""
    if len(text) <= MAX_AST_CHARS:
        try:
            tree = ast.parse(text)
        # ValueError: NUL bytes. MemoryError/RecursionError: pathologically deep nesting.
        except (SyntaxError, ValueError, MemoryError, RecursionError):
            pass
        else:
            return _outline_from_ast(tree, text)
    return _outline_from_regex(text)


def _outline_from_ast(tree: ast.Module, text: str) -> Outline:
    spans: list[tuple[int, int, str]] = []
    imports: list[RawImport] = []
    pending = deque(tree.body)
    while pending:
        node = pending.popleft()
        start = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
        end = node.end_lineno or node.lineno
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            spans.append((start, end, node.name))
        elif isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                for name in _assigned_names(target):
                    spans.append((start, end, name))
        elif isinstance(node, ast.Import | ast.ImportFrom):
            imports.extend(_raw_imports(node))
        elif isinstance(node, ast.If | ast.Try | ast.With):
            # `if TYPE_CHECKING:`, `try: import x except ImportError:` define at top level too.
            for field in ("body", "orelse", "finalbody", "handlers"):
                pending.extend(getattr(node, field, []))
        elif isinstance(node, ast.ExceptHandler):
            pending.extend(node.body)
    if re.search(r"^[ \t]+(?:from[ \t]+\S+[ \t]+)?import[ \t]", text, re.M):
        # Imports inside functions matter too (lazy imports to break cycles); walk only then.
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom) and node.col_offset > 0:
                imports.extend(_raw_imports(node))
    spans.sort()
    return Outline(tuple(spans), tuple(dict.fromkeys(imports)), parsed=True)


def _assigned_names(target: ast.expr) -> list[str]:
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, ast.Tuple | ast.List):
        return [name for element in target.elts for name in _assigned_names(element)]
    return []


def _raw_imports(node: ast.Import | ast.ImportFrom) -> list[RawImport]:
    if isinstance(node, ast.Import):
        return [RawImport(0, alias.name, alias=alias.asname or "") for alias in node.names]
    names = tuple((alias.name, alias.asname or alias.name) for alias in node.names)
    return [RawImport(node.level, node.module or "", names)]


def _outline_from_regex(text: str, with_imports: bool = True) -> Outline:
    """Column-0 definitions and import lines: lenient enough for fragments and broken files
    (`with_imports=False`: definitions only, for a caller that reads the imports itself)."""
    spans: list[tuple[int, int, str]] = []
    open_names: list[str] = []
    start = decorator_start = 0
    lineno, scanned = 1, 0
    # Only column-0 statements matter; finditer skips indented lines at C speed.
    for statement in COLUMN_ZERO_STATEMENT.finditer(text):
        lineno += text.count("\n", scanned, statement.start())
        scanned = statement.start()
        line = statement.group()
        if line.startswith("@"):
            decorator_start = decorator_start or lineno
            continue
        for name in open_names:
            spans.append((start, lineno - 1, name))
        open_names = []
        found = TOP_LEVEL_DEF.match(line)
        if found:
            open_names = [next(group for group in found.groups() if group)]
            start = decorator_start or lineno
        decorator_start = 0
    last_line = text.count("\n") + 1
    for name in open_names:
        spans.append((start, last_line, name))
    spans.sort()
    return Outline(tuple(spans), regex_imports(text) if with_imports else (), parsed=False)


# Per-text caches: the same file texts come back when a change set gets a new revision or the
# order is recomputed with findings (extra_risk).
outline = OutlineCache(_outline)
regex_outline = OutlineCache(_outline_from_regex)


def regex_imports(text: str) -> tuple[RawImport, ...]:
    """Import statements found by regex (fragments, syntax errors, removed lines)."""
    found: list[RawImport] = []
    for dots, module, rest in FROM_IMPORT.findall(text):
        cut = False
        if rest.startswith("("):
            # A hunk may end inside the parentheses (`from .recipes import (` as its last
            # context line): the names are unseen, yet the import is there. Hunks are joined
            # by a blank line, so the list stops at one.
            rest, blank, _ = rest.partition("\n\n")
            cut = bool(blank) or not rest.rstrip().endswith(")")
        body = re.sub(r"#[^\n]*", "", rest).strip().strip("()")
        names = [("*", "*")] if cut else []
        for part in body.replace("\\", " ").split(","):
            words = part.split()
            if len(words) == 1 and (words[0] == "*" or words[0].isidentifier()):
                names.append((words[0], words[0]))
            elif len(words) == 3 and words[1] == "as" and words[0].isidentifier():
                names.append((words[0], words[2]))
        if names and (dots or module):
            found.append(RawImport(len(dots), module, tuple(names)))
    for body in PLAIN_IMPORT.findall(text):
        for part in body.split(","):
            words = part.split()
            if len(words) == 1:
                found.append(RawImport(0, words[0]))
            elif len(words) == 3 and words[1] == "as":
                found.append(RawImport(0, words[0], alias=words[2]))
    return tuple(dict.fromkeys(imp for imp in found if _valid_module(imp.module)))


TRIPLE_QUOTES = ('"""', "'''")


def hunk_side(hunk: ParsedHunk, side: str) -> str:
    """One hunk's lines of one side (`side` is '+' or '-'), context included."""
    return "\n".join(line.text for line in hunk.lines if line.kind in (" ", side))


def without_docstrings(text: str) -> str:
    """The text of a hunk with the lines of docstrings it opens blanked.

    A line that starts with triple quotes and text (`\"\"\"Compose validators.`) and does not
    close them opens a docstring, which ends at the next line holding the quotes; a lone
    `\"\"\"` outside one closes a docstring opened above the hunk (PEP 257 puts the summary on
    the opening line), so it opens nothing.
    """
    if "import" not in text or '"""' not in text and "'''" not in text:
        return text  # nothing to hide: no import line, or no docstring
    out = []
    inside = ""
    for line in text.split("\n"):
        if inside:
            out.append("")
            if inside in line:
                inside = ""
            continue
        stripped = line.strip().lstrip("rRuU")
        quote = next((q for q in TRIPLE_QUOTES if stripped.startswith(q)), "")
        if quote:
            if stripped[3:] and quote not in stripped[3:]:
                inside = quote
            out.append("")
            continue
        out.append(line)
    return "\n".join(out)


def _valid_module(module: str) -> bool:
    return module == "" or all(part.isidentifier() for part in module.split("."))


# Changes ------------------------------------------------------------------------------------


def changed_names(file: ParsedFile, new: Outline | None, old: Outline | None) -> frozenset[str]:
    """Top-level names whose definition the diff adds, edits or removes."""
    if file.status == ADDED and new is not None:
        return new.names
    if file.status == DELETED and old is not None:
        return old.names
    if new is None:  # a pasted diff: follow the definitions the hunks themselves show
        return _changed_names_in_fragments(file)
    changed: set[str] = set()
    for hunk in file.hunks:
        last_new_line = hunk.new_start
        for line in hunk.lines:
            if line.new_lineno is not None:
                last_new_line = line.new_lineno
            if line.kind == " " or not line.text.strip():
                continue  # blank lines between definitions belong to neither
            if line.kind == "+":
                name = new.name_at(line.new_lineno) if line.new_lineno else None
            elif old is not None:
                name = old.name_at(line.old_lineno) if line.old_lineno else None
            else:  # old text unknown: the new-side definition where the line was removed
                name = new.name_at(last_new_line)
            if name:
                changed.add(name)
    if old is not None:
        changed |= new.names ^ old.names  # added or removed definitions
    return frozenset(changed)


def _changed_names_in_fragments(file: ParsedFile) -> frozenset[str]:
    changed: set[str] = set()
    for hunk in file.hunks:
        current = _header_definition(hunk)
        decorator_changed = False
        for line in hunk.lines:
            text = line.text
            first = text[:1]
            if first and not first.isspace() and first not in CONTINUATION_START:
                if first == "@":
                    decorator_changed |= line.kind != " "
                    continue
                found = TOP_LEVEL_DEF.match(text)
                current = next(g for g in found.groups() if g) if found else None
                if current and decorator_changed:
                    changed.add(current)
                decorator_changed = False
            if line.kind != " " and current and not text.isspace() and text:
                changed.add(current)
    return frozenset(changed)


PLAIN_WORD = re.compile(r"[a-z]+")


def prose_words(found: Scan) -> frozenset[str]:
    """The plain lowercase words of a hunk scan that it never uses as code (called, or part of
    a dotted chain): in docstrings and comments "argument" and "option" are words, not click's
    functions."""
    chained = {part for chain in found.chains for part in chain.split(".")}
    return frozenset(name for name in found.names - found.called - chained
                     if PLAIN_WORD.fullmatch(name))


def section_headers(file: ParsedFile) -> str:
    """The lines git shows after each hunk's second `@@`, one a line: the nearest column-0
    statement above the hunk (`class APIRouter(routing.Router):`, `def easter(year):`, an
    import line), so a pasted diff still tells what encloses its hunks and what they import."""
    return "".join(hunk.section_header + "\n" for hunk in file.hunks if hunk.section_header)


def _header_definition(hunk: ParsedHunk) -> str | None:
    """git puts the enclosing column-0 `def`/`class` line after the second `@@`."""
    header = hunk.section_header
    if not header or header[0].isspace():
        return None
    found = re.match(r"(?:async[ \t]+)?(?:def|class)[ \t]+(\w+)", header)
    return found.group(1) if found else None


# Imports → candidate paths ------------------------------------------------------------------


def import_refs(raw: RawImport, path: str, chains: frozenset[str]) -> list[ImportRef]:
    """Where one import may point among repository paths, with the names taken from each."""
    if raw.level:
        base = posixpath.dirname(path)
        for _ in range(raw.level - 1):
            if not base:
                return []  # beyond the top of the repository
            base = posixpath.dirname(base)
        module_path = posixpath.join(base, *raw.module.split(".")) if raw.module else base
        anchored = True
    else:
        module_path = raw.module.replace(".", "/")
        anchored = False

    def module_candidates(target: str, names: frozenset[str]) -> list[ImportCandidate]:
        if not target:  # `from . import x` at the repository root
            return []
        return [
            ImportCandidate(target + ".py", names, anchored),
            ImportCandidate(target + "/__init__.py", names, anchored),
        ]

    if not raw.names:
        names = attributes_of(chains, raw.alias or raw.module)
        return [ImportRef(tuple(module_candidates(module_path, names)))]
    refs = []
    for name, bound in raw.names:
        if name == "*":
            refs.append(ImportRef(tuple(module_candidates(module_path, frozenset()))))
            continue
        submodule = posixpath.join(module_path, name) if module_path else name
        candidates = module_candidates(submodule, attributes_of(chains, bound))
        candidates += module_candidates(module_path, frozenset({name}))
        if candidates:
            refs.append(ImportRef(tuple(candidates)))
    return refs


def _reexported_names(
    imports: tuple[RawImport, ...], path: str, keep_star: bool = False
) -> frozenset[str]:
    """Names a package's __init__ binds from its own package (`from .order import order_files`,
    `from pkg.order import order_files`); `from typing import Any` hands on nothing of ours.
    With `keep_star`, "*" stands for names it takes unseen (`from .x import *`, or a list the
    hunk cut off): no name, yet the sign that it gathers its modules."""
    package = path.split("/")[:-1]
    return frozenset(
        bound
        for raw in imports
        if raw.level or raw.module.split(".")[0] in package
        for name, bound in raw.names
        if keep_star or name != "*"
    )


def conftest_refs(path: str) -> list[ImportRef]:
    """pytest hands a test the fixtures of every conftest.py above it, with no import line."""
    if not is_test_path(path):
        return []
    directories = path.split("/")[:-1]
    return [
        ImportRef(
            (ImportCandidate(posixpath.join(*directories[:depth], "conftest.py"), anchored=True),),
            require_names=True,
        )
        for depth in range(len(directories), -1, -1)
    ]


def analyze_python(file: ParsedFile) -> FileSymbols:
    """Definitions, changes, imports and uses of one Python file, whatever text is known."""
    removed = side_lines(file, "-")
    old_content, new_content = file.old_content, file.new_content
    # An added (deleted) file's hunk is the whole file even in a pasted diff: parse it.
    if new_content is None and file.status == ADDED and len(file.hunks) == 1:
        new_content = "\n".join(side_lines(file, "+"))
    if old_content is None and file.status == DELETED and len(file.hunks) == 1:
        old_content = "\n".join(removed)
    old: Outline | None = None
    new: Outline | None = None
    if old_content is not None and file.status == DELETED:
        old = outline(old_content)
    elif old_content is not None and file.status != ADDED and removed:
        # Only the old side's column-0 definitions matter (what was removed): regexes suffice
        # and cost a fraction of a second parse.
        old = regex_outline(old_content)
    if new_content is not None and file.status != DELETED:
        new = outline(new_content)

    if new is not None:
        new_text = new_content or ""
        new_imports = new.imports
        defines = new.names
    else:  # only hunks: what they show of the new side, and the lines git names above them
        headers = section_headers(file) if file.status != DELETED else ""
        sides = [hunk_side(hunk, "+") for hunk in file.hunks] if file.status != DELETED else []
        new_text = headers + "\n\n".join(sides)
        fragment = _outline_from_regex(new_text, with_imports=False)
        # An import shown inside a docstring (`Example: ::` / `from pkg import validate`) is
        # an example for users of the file, not an import of it.
        new_imports = regex_imports(headers + "\n\n".join(map(without_docstrings, sides)))
        defines = fragment.names
    if file.status == DELETED:
        defines = old.names if old else _outline_from_regex(hunk_text(file, "-")).names
    removed_text = "\n".join(removed)
    # Imports the diff removed still tie the file to their target: the change is about them.
    imports = tuple(dict.fromkeys(new_imports + regex_imports(removed_text)))
    whole_file = whole_file_seen(file)
    found = scan(new_text + "\n" + removed_text, fragment=not whole_file)
    refs = tuple(ref for raw in imports for ref in import_refs(raw, file.path, found.chains))
    refs += tuple(conftest_refs(file.path))
    changes = changed_names(file, new, old)
    reexports: frozenset[str] = frozenset()
    if posixpath.basename(file.path) == "__init__.py":
        # A package's __init__ re-exports what it imports: `from .order import order_files`
        # makes `pkg.order_files` a name the package defines for its users.
        edited = regex_imports("\n".join(side_lines(file, "+")) + "\n" + removed_text)
        edited_reexports = _reexported_names(
            new_imports if file.status == ADDED else edited, file.path)
        defines |= _reexported_names(new_imports, file.path)
        changes |= edited_reexports
        # A removed `from .x import name` hands on nothing any more: still no definition.
        reexports = _reexported_names(new_imports, file.path, keep_star=True) | edited_reexports
    return FileSymbols(
        defines=defines,
        changes=changes,
        imports=refs,
        # Seen whole, a file's uses only meet names its imports take; from hunks, they guess
        # links by name, so words of its prose are no uses.
        # an attribute of another module or object (`typing.Dict`) is no use of a name either:
        # `module.name` links through `chains`.
        uses=found.names if whole_file else (found.names & found.bare) - prose_words(found),
        # An import line's module path (`from marshmallow.warnings import X`) is no attribute
        # access: the import itself says where it points.
        chains=found.chains - {raw.module for raw in imports if not raw.level},
        whole_file=whole_file,
        reexports=reexports,
    )
