"""The offline Python corpus: stdlib and venv packages with licenses, deduplicated, split by
package."""

from __future__ import annotations

import ast
import hashlib
import importlib.metadata
import re
import sysconfig
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from synthdata.source import decode_source

SPLITS = ("train", "val", "test")
# Directories that hold tests, vendored copies of other packages or generated code.
_SKIP_DIRS = {
    "test", "tests", "testing", "_vendor", "vendor", "__pycache__", "site-packages",
    "turtledemo", "idle_test", "lib2to3", "ensurepip", "data", "examples",
}
_MAX_FILE_BYTES = 400_000
_COMMENT_OR_BLANK = re.compile(r"^\s*(#.*)?$")


@dataclass(frozen=True)
class CorpusFile:
    """One source file: the package it belongs to (the split unit) and its license."""

    package: str
    path: str  # display path: "<package>/<path inside the package's install root>"
    license: str
    location: Path


@dataclass(frozen=True)
class FunctionSource:
    """A function or method, dedented, with its class header as context."""

    text: str
    context: str
    first_line: int  # 1-based line of the `def` in the file


def split_of(package: str, val_percent: int = 10, test_percent: int = 10) -> str:
    """Deterministic package → split assignment, so no package is in two splits."""
    bucket = int(hashlib.sha256(package.encode()).hexdigest(), 16) % 100
    if bucket < test_percent:
        return "test"
    if bucket < test_percent + val_percent:
        return "val"
    return "train"


def normalised_hash(text: str) -> str:
    """Hash of the code without comment-only lines, blank lines and indentation."""
    lines = [line.strip() for line in text.splitlines() if not _COMMENT_OR_BLANK.match(line)]
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def _skip(parts: tuple[str, ...]) -> bool:
    return any(part in _SKIP_DIRS or part.startswith("test_") for part in parts)


def stdlib_files() -> Iterator[CorpusFile]:
    """Standard-library modules; each top-level module or package is its own split unit."""
    root = Path(sysconfig.get_paths()["stdlib"])
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root)
        if _skip(rel.parts[:-1]) or rel.name.startswith("test_"):
            continue
        top = rel.parts[0].removesuffix(".py")
        yield CorpusFile(f"stdlib-{top}", f"stdlib/{rel}", "PSF-2.0", path)


def _license_of(dist: importlib.metadata.Distribution) -> str:
    meta = dist.metadata
    expression = meta.get("License-Expression")
    if expression:
        return expression
    classifiers = [c.split("::")[-1].strip() for c in meta.get_all("Classifier") or []
                   if c.startswith("License ::")]
    if classifiers:
        return "; ".join(classifiers)
    text = (meta.get("License") or "").strip().splitlines()
    return text[0][:80] if text else "unknown"


def site_package_files(site_dir: Path, exclude: frozenset[str] = frozenset(),
                       ) -> Iterator[CorpusFile]:
    """Pure-Python files of every distribution installed in `site_dir`."""
    for dist in sorted(importlib.metadata.distributions(path=[str(site_dir)]),
                       key=lambda d: d.metadata["Name"].lower()):
        name = re.sub(r"[-_.]+", "-", dist.metadata["Name"]).lower()
        if name in exclude:
            continue
        license_ = _license_of(dist)
        for entry in sorted(dist.files or [], key=str):
            if entry.suffix != ".py" or _skip(entry.parts[:-1]) or entry.name.startswith("test_"):
                continue
            location = Path(dist.locate_file(entry))
            if location.is_file():
                yield CorpusFile(name, f"{name}/{entry}", license_, location)


def read_source(path: Path) -> str | None:
    """The file's text with LF newlines, or None when unreadable, huge or not UTF-8."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    if len(data) > _MAX_FILE_BYTES:
        return None
    return decode_source(data)


def iter_functions(tree: ast.Module) -> Iterator[tuple[ast.FunctionDef | ast.AsyncFunctionDef,
                                                     ast.ClassDef | None]]:
    """Module-level functions and methods of module-level classes, with their class."""
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield node, None
        elif isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    yield item, node


def class_header(lines: list[str], cls: ast.ClassDef | None) -> str:
    """The `class X(Base):` line that gives a method its context ("" for plain functions)."""
    return lines[cls.lineno - 1].strip() if cls is not None else ""


def extract_functions(text: str, max_lines: int = 60) -> list[FunctionSource]:
    """Dedented functions of a module; skips ones that do not dedent cleanly or are too long."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return []
    lines = text.split("\n")
    found = []
    for func, cls in iter_functions(tree):
        first, last = func.lineno, func.end_lineno or func.lineno
        if not 2 <= last - first + 1 <= max_lines:
            continue
        body = lines[first - 1 : last]
        indent = body[0][: len(body[0]) - len(body[0].lstrip())]
        if any(line.strip() and not line.startswith(indent) for line in body):
            continue  # a multi-line string reaches left of the def: cannot dedent it
        dedented = "\n".join(line[len(indent):] for line in body) + "\n"
        found.append(FunctionSource(dedented, class_header(lines, cls), first))
    return found
