"""Import/include heuristics for JS/TS, Go, C/C++, Java/Kotlin, Rust and HTML templates.

Regexes over whatever text is known (the whole file, or only the hunks of a pasted diff):
no parser, so they err towards finding an edge; a spurious edge only moves a file a little.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable

from reviewapp.ingest.parsed import ADDED, DELETED, ParsedFile

from .symbols import (
    EMPTY,
    FileSymbols,
    ImportCandidate,
    ImportRef,
    attributes_of,
    new_side_text,
    old_side_text,
    scan,
    side_lines,
    whole_file_seen,
)

JS_EXTENSIONS = (".ts", ".tsx", ".js", ".jsx", ".mjs", ".cjs", ".mts", ".cts", ".vue", ".svelte")
GO_EXTENSIONS = (".go",)
C_EXTENSIONS = (".c", ".h", ".cc", ".hh", ".cpp", ".hpp", ".cxx", ".hxx", ".c++", ".h++",
                ".ipp", ".inl", ".m", ".mm", ".cu", ".cuh")
C_HEADERS = (".h", ".hh", ".hpp", ".hxx", ".h++", ".cuh", ".ipp", ".inl")
JVM_EXTENSIONS = (".java", ".kt", ".kts", ".scala")

# --- JavaScript / TypeScript -------------------------------------------------------------------

# No leading \b: a pattern that starts with literals lets `re` skip ahead fast (3x here).
JS_FROM = re.compile(r"(?:import|export)\b([^;'\"`]{0,2000}?)\bfrom\s*['\"]([^'\"\n]+)['\"]")
JS_BARE = re.compile(r"(?:import\s*\(?|require\s*\()\s*['\"]([^'\"\n]+)['\"]")
JS_DECLARATION = re.compile(
    r"^(?:export\s+)?(?:default\s+)?(?:declare\s+)?(?:abstract\s+)?(?:async\s+)?"
    r"(?:function\*?|class|const|let|var|interface|type|enum|namespace)\s+([\w$]+)",
    re.M,
)
JS_EXPORT_LIST = re.compile(r"^export\s*\{([^}]*)\}", re.M)


def _js_imported_names(clause: str, chains: frozenset[str]) -> frozenset[str]:
    """Names an import clause takes: `{ a, b as c }`, a default import, or `ns.x` for `* as ns`."""
    names: set[str] = set()
    braces = re.search(r"\{([^}]*)\}", clause)
    if braces:
        for part in braces.group(1).split(","):
            words = part.replace("type ", " ").split()
            if words:
                names.add(words[0])
    star = re.search(r"\*\s*as\s+([\w$]+)", clause)
    if star:
        names |= attributes_of(chains, star.group(1))
    default = re.match(r"\s*(?:type\s+)?([\w$]+)\s*(?:,|$)", clause)
    if default:
        names.add("default")
    return frozenset(names)


def _js_candidates(spec: str, importer: str, names: frozenset[str]) -> tuple[ImportCandidate, ...]:
    if spec.startswith("."):
        base = posixpath.normpath(posixpath.join(posixpath.dirname(importer), spec))
        anchored = True
    elif spec.startswith(("@/", "~/")):  # the common bundler alias for the source root
        base, anchored = spec[2:], False
    elif "/" in spec and not spec.startswith("@"):
        base, anchored = spec, False  # maybe a path alias into this repository
    else:
        return ()  # a package from the registry
    base = re.sub(r"\.(?:js|jsx|mjs|cjs)$", "", base) if not anchored else base
    stems = [base] + [base + ext for ext in JS_EXTENSIONS]
    stems += [base + "/index" + ext for ext in JS_EXTENSIONS]
    if anchored and base.endswith((".js", ".jsx", ".mjs")):  # TS imports `./x.js` for x.ts
        stem = base.rsplit(".", 1)[0]
        stems += [stem + ext for ext in JS_EXTENSIONS]
    return tuple(ImportCandidate(stem, names, anchored) for stem in stems)


def analyze_javascript(file: ParsedFile) -> FileSymbols:
    text, defining = _texts(file)
    chains = scan(text).chains
    refs = []
    for clause, spec in JS_FROM.findall(text):
        candidates = _js_candidates(spec, file.path, _js_imported_names(clause, chains))
        if candidates:
            refs.append(ImportRef(candidates))
    for spec in JS_BARE.findall(text):
        candidates = _js_candidates(spec, file.path, frozenset())
        if candidates:
            refs.append(ImportRef(candidates))
    defines = set(JS_DECLARATION.findall(defining))
    for body in JS_EXPORT_LIST.findall(defining):
        defines.update(part.split()[-1] for part in body.split(",") if part.split())
    if re.search(r"^export\s+default\b", defining, re.M):
        defines.add("default")
    return _summary(file, frozenset(defines), refs, text, _js_changes(file))


def _js_changes(file: ParsedFile) -> frozenset[str]:
    return _changed_declarations(file, JS_DECLARATION.match)


# --- Go ----------------------------------------------------------------------------------------

GO_IMPORT_BLOCK = re.compile(r"^import\s*\(([^)]*)\)", re.M)
GO_IMPORT_LINE = re.compile(r"^import\s+([\w.]+\s+)?\"([^\"]+)\"", re.M)
GO_IMPORT_SPEC = re.compile(r"^\s*([\w.]+\s+)?\"([^\"]+)\"", re.M)
GO_DECLARATION = re.compile(r"^(?:func\s+(?:\([^)]*\)\s*)?|type\s+|var\s+|const\s+)([A-Za-z_]\w*)")
GO_GROUP_START = re.compile(r"^(?:type|var|const)\s*\(\s*$")
GO_GROUP_MEMBER = re.compile(r"^\t([A-Za-z_]\w*)")


def _go_declarations(text: str) -> frozenset[str]:
    names: set[str] = set()
    in_group = False
    for line in text.split("\n"):
        if in_group:
            if line.startswith(")"):
                in_group = False
            else:
                member = GO_GROUP_MEMBER.match(line)
                if member:
                    names.add(member.group(1))
            continue
        if GO_GROUP_START.match(line):
            in_group = True
            continue
        found = GO_DECLARATION.match(line)
        if found:
            names.add(found.group(1))
    return frozenset(names)


def analyze_go(file: ParsedFile) -> FileSymbols:
    text, defining = _texts(file)
    chains = scan(text).chains
    specs = GO_IMPORT_LINE.findall(text)
    for block in GO_IMPORT_BLOCK.findall(text):
        specs += GO_IMPORT_SPEC.findall(block)
    refs = []
    for alias, import_path in specs:
        alias = alias.strip() or import_path.rsplit("/", 1)[-1]
        names = attributes_of(chains, alias) if alias not in ("_", ".") else frozenset()
        refs.append(ImportRef((ImportCandidate(import_path, names, is_dir=True),)))
    # Files of one package see each other's names without imports.
    own_dir = posixpath.dirname(file.path)
    refs.append(
        ImportRef((ImportCandidate(own_dir, frozenset(), True, True),), require_names=True)
    )
    defines = _go_declarations(defining)
    changes = _changed_declarations(file, GO_DECLARATION.match)
    return _summary(file, defines, refs, text, changes)


# --- C / C++ -----------------------------------------------------------------------------------

C_INCLUDE = re.compile(r"^[ \t]*#[ \t]*include[ \t]*([\"<])([^\">\n]+)[\">]", re.M)
C_DECLARATION = re.compile(
    r"^#[ \t]*define[ \t]+(\w+)|"
    r"^(?:typedef\s+)?(?:struct|class|union|enum(?:\s+class)?)\s+(\w+)\s*[{:;]|"
    r"^typedef\b[^;]*?\b(\w+)\s*;|"
    r"^(?!return\b|else\b|if\b|while\b|for\b|switch\b)[A-Za-z_][\w \t*&:<>,]*?[ \t*&]"
    r"([A-Za-z_]\w*)[ \t]*\([^;\n]*$",
    re.M,
)


def analyze_c(file: ParsedFile) -> FileSymbols:
    text, defining = _texts(file)
    refs = []
    directory = posixpath.dirname(file.path)
    for bracket, included in C_INCLUDE.findall(text):
        candidates = []
        if bracket == '"':
            local = posixpath.normpath(posixpath.join(directory, included))
            candidates.append(ImportCandidate(local, frozenset(), anchored=True))
        if bracket == '"' or "/" in included:  # <lib/x.h> may be this project's own header
            candidates.append(ImportCandidate(included, frozenset()))
        refs.append(ImportRef(tuple(candidates)))
    if not file.path.endswith(C_HEADERS):
        # x.c implements x.h even when the #include line is not in the hunks we see.
        stem = posixpath.splitext(file.path)[0]
        headers = tuple(ImportCandidate(stem + ext, anchored=True) for ext in C_HEADERS)
        refs.append(ImportRef(headers))
    defines = frozenset(
        next(g for g in m.groups() if g) for m in C_DECLARATION.finditer(defining)
    )
    changes = _changed_declarations(file, C_DECLARATION.match)
    return _summary(file, defines, refs, text, changes)


# --- Java / Kotlin / Scala ---------------------------------------------------------------------

JVM_IMPORT = re.compile(r"^import\s+(?:static\s+)?([\w.]+?)(?:\.\*)?\s*;?\s*$", re.M)
JVM_DECLARATION = re.compile(
    r"^\s*(?:(?:public|protected|private|internal|abstract|final|sealed|open|data|static)\s+)*"
    r"(?:class|interface|enum|record|object|trait|fun|def)\s+(\w+)",
    re.M,
)


def analyze_jvm(file: ParsedFile) -> FileSymbols:
    text, defining = _texts(file)
    refs = []
    for dotted in JVM_IMPORT.findall(text):
        parts = dotted.split(".")
        names = frozenset({parts[-1]})
        stems = [("/".join(parts), names), ("/".join(parts[:-1]), frozenset({parts[-1]}))]
        candidates = tuple(
            ImportCandidate(stem + ext, found)
            for stem, found in stems
            if stem
            for ext in JVM_EXTENSIONS
        )
        refs.append(ImportRef(candidates))
    defines = frozenset(JVM_DECLARATION.findall(defining))
    changes = _changed_declarations(file, JVM_DECLARATION.match, indented=True)
    return _summary(file, defines, refs, text, changes)


# --- Rust --------------------------------------------------------------------------------------

RUST_EXTENSIONS = (".rs",)
RUST_MOD = re.compile(r"^[ \t]*(?:pub(?:\([^)]*\))?[ \t]+)?mod[ \t]+(\w+)[ \t]*;", re.M)
RUST_USE = re.compile(r"^[ \t]*(?:pub(?:\([^)]*\))?[ \t]+)?use[ \t]+((?:crate|self|super)::[\w:]+)",
                      re.M)
RUST_DECLARATION = re.compile(
    r"^(?:pub(?:\([^)]*\))?\s+)?(?:async\s+)?(?:unsafe\s+)?"
    r"(?:fn|struct|enum|trait|type|const|static|union|macro_rules!)\s+(\w+)",
    re.M,
)


def _rust_module_dir(path: str) -> str:
    """The directory a file's child modules live in: src/ for lib.rs/main.rs/mod.rs, else a/b/."""
    stem = posixpath.splitext(path)[0]
    if posixpath.basename(stem) in ("lib", "main", "mod"):
        return posixpath.dirname(path)
    return stem


def _rust_crate_root(path: str) -> str:
    parts = path.split("/")
    return "/".join(parts[: parts.index("src") + 1]) if "src" in parts else ""


def analyze_rust(file: ParsedFile) -> FileSymbols:
    """`mod x;` (a child module file), and `use crate::a::b::Item` / `super::` / `self::`."""
    text, defining = _texts(file)
    own = _rust_module_dir(file.path)
    refs = []
    for name in RUST_MOD.findall(text):
        base = posixpath.join(own, name)
        refs.append(ImportRef((ImportCandidate(base + ".rs", anchored=True),
                               ImportCandidate(base + "/mod.rs", anchored=True))))
    for use in RUST_USE.findall(text):
        head, *parts = use.split("::")
        if head == "crate":
            root = _rust_crate_root(file.path)
        elif head == "super":
            root = posixpath.dirname(own)
        else:
            root = own
        candidates = []
        for cut in range(len(parts), 0, -1):  # a::b::Item: try a/b/Item.rs, then a/b.rs, a.rs
            base = posixpath.join(root, *parts[:cut])
            item = frozenset(parts[cut : cut + 1])
            candidates += [ImportCandidate(base + ".rs", item, anchored=True),
                           ImportCandidate(base + "/mod.rs", item, anchored=True)]
        refs.append(ImportRef(tuple(candidates)))
    defines = frozenset(RUST_DECLARATION.findall(defining))
    changes = _changed_declarations(file, RUST_DECLARATION.match)
    return _summary(file, defines, refs, text, changes)


# --- HTML templates (Django, Jinja, Nunjucks, Twig) --------------------------------------------

TEMPLATE_EXTENSIONS = (".html", ".htm", ".jinja", ".jinja2", ".j2", ".djhtml", ".njk", ".twig")
TEMPLATE_REFERENCE = re.compile(
    r"\{%-?\s*(?:extends|include|import|from|embed|static)\s+[\"']([^\"'\n]+)[\"']"
)
TEMPLATE_BLOCK = re.compile(r"\{%-?\s*(?:block|macro)\s+(\w+)")


def analyze_template(file: ParsedFile) -> FileSymbols:
    """`{% extends "base.html" %}`, `{% include %}` and `{% static %}` name other files."""
    text, defining = _texts(file)
    refs = [
        ImportRef((ImportCandidate(reference.lstrip("/")),))
        for reference in TEMPLATE_REFERENCE.findall(text)
    ]
    defines = frozenset(TEMPLATE_BLOCK.findall(defining))
    changes = _changed_declarations(file, TEMPLATE_BLOCK.search, indented=True)
    return _summary(file, defines, refs, text, changes)


# --- shared ------------------------------------------------------------------------------------


def _texts(file: ParsedFile) -> tuple[str, str]:
    """Everything the file mentions (new side plus removed lines), and the side that defines
    its names (the old one for a deletion)."""
    new_side = new_side_text(file)
    defining = old_side_text(file) if file.status == DELETED else new_side
    return new_side + "\n" + "\n".join(side_lines(file, "-")), defining


def _summary(
    file: ParsedFile, defines: frozenset[str], refs: list[ImportRef], text: str,
    changes: frozenset[str],
) -> FileSymbols:
    if file.status in (ADDED, DELETED):
        changes = defines
    found = scan(text)
    return FileSymbols(
        defines=defines,
        changes=changes,
        imports=tuple(dict.fromkeys(refs)),
        uses=found.names,
        chains=found.chains,
        whole_file=whole_file_seen(file),
    )


def _changed_declarations(
    file: ParsedFile,
    declaration: Callable[[str], re.Match[str] | None],
    indented: bool = False,
) -> frozenset[str]:
    """Declarations that a changed line opens or sits inside (the last one seen above it).

    `indented=False`: declarations start at column 0, so indented lines skip the regex.
    """
    changed: set[str] = set()
    for hunk in file.hunks:
        found = declaration(hunk.section_header) if hunk.section_header else None
        current = next((g for g in found.groups() if g), None) if found else None
        for line in hunk.lines:
            text = line.text
            if not indented and text[:1] in (" ", "\t", ""):
                found = None
            else:
                found = declaration(text)
            if found:
                current = next((g for g in found.groups() if g), current)
            if line.kind != " " and current:
                changed.add(current)
    return frozenset(changed)


ANALYSERS: dict[tuple[str, ...], Callable[[ParsedFile], FileSymbols]] = {
    JS_EXTENSIONS: analyze_javascript,
    GO_EXTENSIONS: analyze_go,
    C_EXTENSIONS: analyze_c,
    JVM_EXTENSIONS: analyze_jvm,
    RUST_EXTENSIONS: analyze_rust,
    TEMPLATE_EXTENSIONS: analyze_template,
}


def language_family(path: str) -> str:
    """"python", "javascript", "go", "c", "jvm", or "" for languages without rules here."""
    name = path.lower()
    if name.endswith((".py", ".pyi", ".pyw")):
        return "python"
    for extensions, analyse in ANALYSERS.items():
        if name.endswith(extensions):
            return analyse.__name__.removeprefix("analyze_")
    return ""


def analyze_other(file: ParsedFile) -> FileSymbols:
    """Symbols of a non-Python file, or an empty summary for a language we have no rules for."""
    name = file.path.lower()
    for extensions, analyse in ANALYSERS.items():
        if name.endswith(extensions):
            return analyse(file)
    return EMPTY
