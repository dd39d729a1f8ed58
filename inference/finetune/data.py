"""Training examples for Apply's fine-tune, made from real functions of installed packages.

An example is one real function (the original), an edit of it (a renamed local, inserted,
deleted, changed or replaced lines, or two of these), the lazy sketch of that edit (changed
lines with some context, the rest elided by a marker comment) and the answer: the edited
function. The prompt is the product's own (`inference.apply.generation_prompt`), so the model
learns exactly the task Apply gives it.

Honest held-out numbers: the examples come from packages that no evaluation uses (the
decoding and Apply benchmarks read this repository, pip and its vendored packages,
setuptools, unidiff, pygments, httpx, starlette and the standard library); validation packages
are disjoint from training packages; and a function whose text also occurs in an evaluation
source (vendored copies) is dropped.
"""

from __future__ import annotations

import ast
import difflib
import hashlib
import importlib.util
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from inference.apply import parses
from inference.sketch import indentation

__all__ = [
    "EVALUATION_SOURCES",
    "TRAIN_PACKAGES",
    "VALIDATION_PACKAGES",
    "Example",
    "build_examples",
    "edit_function",
    "functions",
    "lazy_sketch",
]

TRAIN_PACKAGES = (
    "django", "celery", "kombu", "twisted", "transformers", "sympy", "networkx", "numpy",
    "matplotlib", "black", "redis", "pydantic", "trio", "anyio", "attr", "prompt_toolkit",
    "fontTools", "autobahn", "huggingface_hub", "typer", "uvicorn", "asgiref", "amqp",
    "billiard", "channels", "daphne", "selenium", "cryptography", "dateutil", "yaml", "tqdm",
    "psutil", "psycopg", "_pytest", "markdown_it", "wsproto", "pyparsing", "torch",
)
VALIDATION_PACKAGES = ("jinja2", "click", "h11", "sqlparse")
#: What the benchmarks evaluate on: never trained on (see the module docs).
EVALUATION_SOURCES = (
    "inference", "reviewapp", "synthdata", "bugmodel", "frontend", "benchmarks",  # this repo
    "unidiff", "pygments", "httpx", "starlette", "pip", "setuptools", "pkg_resources",
    "requests", "urllib3", "rich", "packaging", "certifi", "idna", "msgpack", "platformdirs",
    "cachecontrol", "resolvelib", "pyproject_hooks", "tomli", "distlib",
)
REPOSITORY = Path(__file__).resolve().parents[2]
MARKER = "# ... existing code ..."
#: Elision markers the sketches use (the product accepts any comment saying "unchanged").
MARKERS = ("# ... existing code ...", "# ...", "# ... rest unchanged ...",
           "# ... unchanged ...", "# ... keep existing code ...", "# rest of the code unchanged")
EDIT_KINDS = ("rename", "insert", "delete", "change", "replace")


@dataclass(frozen=True)
class Example:
    """One Apply task: merge ``sketch`` into ``original``; the answer is ``edited``."""

    package: str
    path: str
    kind: str
    original: str
    sketch: str
    edited: str


def package_root(name: str) -> Path | None:
    """Directory of an importable package (this repository's own first), or None."""
    local = REPOSITORY / name
    if local.is_dir():
        return local
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0])


def python_files(root: Path) -> list[Path]:
    """Non-test Python files under ``root``, sorted (the same on every machine)."""
    return sorted(p for p in root.rglob("*.py")
                  if "test" not in p.name and "tests" not in p.parts)


def functions(path: Path, min_lines: int = 8, max_lines: int = 22) -> list[str]:
    """Undecorated functions and methods of ``path`` of a readable size, dedented."""
    try:
        text = path.read_text(encoding="utf-8")
        tree = ast.parse(text)
    except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
        return []
    lines = text.splitlines(keepends=True)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and not node.decorator_list:
            body = lines[node.lineno - 1 : node.end_lineno]
            if min_lines <= len(body) <= max_lines:
                indent = len(body[0]) - len(body[0].lstrip())
                found.append("".join(line[indent:] if line.strip() else "\n" for line in body))
    return found


def lazy_sketch(original: str, edited: str, context: int = 1, marker: str = MARKER) -> str:
    """The edited lines with ``context`` lines around them, the rest elided by ``marker``."""
    a, b = original.splitlines(keepends=True), edited.splitlines(keepends=True)
    out: list[str] = []
    for group in difflib.SequenceMatcher(None, a, b).get_grouped_opcodes(context):
        if group[0][1] > 0:
            out.append(marker + "\n")
        for tag, _, _, j1, j2 in group:
            out.extend(b[j1:j2] if tag != "delete" else [])
        if group[-1][2] < len(a):
            out.append(marker + "\n")
    return "".join(out)


def fingerprint(code: str) -> str:
    """Whitespace-insensitive identity of a function's text."""
    return hashlib.sha1(re.sub(r"\s+", "", code).encode()).hexdigest()


def evaluation_fingerprints() -> set[str]:
    """Fingerprints of every function (any size) in the evaluation sources and the stdlib."""
    roots = filter(None, (package_root(name) for name in EVALUATION_SOURCES))
    files = [path for root in roots for path in sorted(root.rglob("*.py"))]
    files += sorted(Path(ast.__file__).parent.glob("*.py"))  # Tab's refactor cases read these
    return {fingerprint(code) for path in files for code in functions(path, 1, 10_000)}


def _body_lines(lines: list[str]) -> list[int]:
    """Indexes of code lines after the signature: no comments, blanks or docstring lines."""
    try:
        tree = ast.parse("".join(lines))
    except (SyntaxError, ValueError):
        return []
    in_strings: set[int] = set()
    for node in ast.walk(tree):  # multi-line strings: an edit inside one is not code
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            in_strings.update(range(node.lineno - 1, node.end_lineno or node.lineno))
    return [i for i, line in enumerate(lines) if i > 0 and line.strip() and i not in in_strings
            and not line.strip().startswith(("#", ")", "]", "}"))]


def _changed_line(line: str, rng: random.Random) -> str | None:
    """A plausible one-line change: a number, a comparison, a boolean, a string or an argument."""
    changes = [
        (r"\b(\d+)\b", lambda m: str(int(m.group(1)) + rng.choice((1, 2, 10)))),
        (r" (==|!=|<=|>=|<|>) ", lambda m: " " + rng.choice(
            [op for op in ("==", "!=", "<=", ">=", "<", ">") if op != m.group(1)]) + " "),
        (r"\b(True|False)\b", lambda m: "False" if m.group(1) == "True" else "True"),
        (r"\b(and|or)\b", lambda m: "or" if m.group(1) == "and" else "and"),
        (r"(['\"])([a-z_ ]{3,})\1", lambda m: m.group(1) + m.group(2) + "_v2" + m.group(1)),
        (r"\)$", lambda m: ", strict=True)"),
    ]
    rng.shuffle(changes)
    stripped = line.rstrip("\n")
    for pattern, replacement in changes:
        new = re.sub(pattern, replacement, stripped, count=1)
        if new != stripped:
            return new + "\n"
    return None


def _one_edit(code: str, kind: str, rng: random.Random, donors: list[str]) -> str | None:
    lines = code.splitlines(keepends=True)
    body = _body_lines(lines)
    if len(body) < 3:
        return None
    at = rng.choice(body)
    if kind == "rename":
        names = sorted({n for n in re.findall(r"\b([a-z_][a-z0-9_]{2,})\s*=[^=]", code)
                        if n not in ("self", "cls")})
        if not names:
            return None
        name = rng.choice(names)
        new = rng.choice((f"{name}_value", f"new_{name}", f"{name}s", f"the_{name}",
                          f"{name}_list", f"{name}2", "result", "value", "item"))
        return re.sub(rf"\b{name}\b", new, code) if not re.search(rf"\b{new}\b", code) else None
    donor = rng.choice(donors).splitlines(keepends=True) if donors else []
    donor_body = [donor[i] for i in _body_lines(donor)] if donor else []
    if kind == "insert" and donor_body:
        start = rng.randrange(len(donor_body))
        chosen = donor_body[start : start + rng.choice((1, 1, 2, 3))]
        base = indentation(chosen[0])
        new = [indentation(lines[at]) + line[len(base):] if line.startswith(base)
               else indentation(lines[at]) + line.lstrip() for line in chosen]
        return "".join(lines[:at] + new + lines[at:])
    if kind == "delete":
        count = rng.choice((1, 1, 2))
        return "".join(lines[:at] + lines[at + count :])
    if kind == "change":
        changed = _changed_line(lines[at], rng)
        return None if changed is None else "".join(lines[:at] + [changed] + lines[at + 1 :])
    if kind == "replace" and donor_body:
        line = indentation(lines[at]) + rng.choice(donor_body).lstrip()
        return "".join(lines[:at] + [line] + lines[at + 1 :])
    return None


def edit_function(code: str, rng: random.Random, donors: list[str]) -> tuple[str, str] | None:
    """``(kind, edited)``: one or two random edits of ``code`` that still parse, or None."""
    kinds = [rng.choice(EDIT_KINDS)]
    if rng.random() < 0.25:
        kinds.append(rng.choice(EDIT_KINDS))
    edited = code
    for kind in kinds:
        for _ in range(4):  # some edits do not apply to this function: try another spot
            attempt = _one_edit(edited, kind, rng, donors)
            if attempt and attempt != edited and parses(attempt):
                edited = attempt
                break
        else:
            return None
    return "+".join(kinds), edited


def _package_functions(name: str, per_package: int, excluded: set[str],
                       rng: random.Random) -> list[tuple[str, str]]:
    """Up to ``per_package`` ``(relative path, code)`` of package ``name``, spread over files."""
    root = package_root(name)
    if root is None:
        return []
    files = python_files(root)
    rng.shuffle(files)
    found: list[tuple[str, str]] = []
    seen: set[str] = set()
    for path in files:
        for code in functions(path, 6, 40)[:3]:
            key = fingerprint(code)
            if key not in excluded and key not in seen:
                seen.add(key)
                found.append((f"{name}/{path.relative_to(root)}", code))
        if len(found) >= per_package:
            break
    return found[:per_package]


def build_examples(packages: tuple[str, ...], per_package: int, seed: int,
                   excluded: set[str] | None = None) -> Iterator[Example]:
    """Examples from ``packages`` (one edit per function, shuffled, deterministic per seed)."""
    rng = random.Random(seed)
    excluded = evaluation_fingerprints() if excluded is None else excluded
    pool: list[tuple[str, str, str]] = []
    for name in packages:
        pool.extend((name, path, code)
                    for path, code in _package_functions(name, per_package, excluded, rng))
    rng.shuffle(pool)
    codes = [code for _, _, code in pool]
    for package, path, code in pool:
        donors = [rng.choice(codes) for _ in range(3)]
        made = edit_function(code, rng, [d for d in donors if d != code])
        if made is None:
            continue
        kind, edited = made
        sketch = lazy_sketch(code, edited, context=rng.choice((1, 1, 2, 3)),
                             marker=rng.choice(MARKERS))
        yield Example(package, path, kind, code, sketch, edited)

