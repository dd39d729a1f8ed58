"""Build the Apply and Tab dev sets from real before/after edits found on this machine.

Real edits: the same module in two versions installed side by side — Debian's pip 23 and its
vendored libraries vs. the venv's newer pip, vendored copies vs. the upstream packages
(pip's vendoring rewrites imports), Debian's Pygments/setuptools vs. the venv's. Nothing here is
used for training. The sets are written once and committed (other machines may have other
versions); rebuild with ``python benchmarks/inference_devset.py``.

* Apply: the sketch is the new file's changed regions with 1–3 lines of context around each,
  the unchanged stretches replaced by an elision marker; the target is the new file.
* Tab: the changes of one file applied top to bottom; after ``k`` of them the history is the
  diff so far, the cursor the last changed line, the target the ``k+1``-th change (``null``
  once every change is made).
* Tab refactors: real stdlib modules with a refactor made one line at a time (a module-level
  function renamed, or a keyword argument added to its calls) — real code, constructed edits.
"""

from __future__ import annotations

import ast
import difflib
import gzip
import io
import json
import sys
import tokenize
import zlib
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from inference.apply import parses  # noqa: E402
from inference.sketch import marker_line  # noqa: E402

DATA = ROOT / "benchmarks" / "data"
APPLY_FILE = DATA / "apply_dev.jsonl.gz"
APPLY_HELDOUT_FILE = DATA / "apply_heldout.jsonl.gz"
TAB_FILE = DATA / "tab_dev.jsonl.gz"
TAB_REFACTOR_FILE = DATA / "tab_refactor_dev.jsonl.gz"
APPLY_CASES, TAB_CASES = 40, 60
MAX_LINES = 300
MARKER_WORDS = ("... existing code ...", "...", "rest of the code unchanged")


def _roots() -> list[tuple[str, Path, Path]]:
    venv_site = next(p for p in map(Path, sys.path) if p.name == "site-packages"
                     and (p / "pip").is_dir())
    debian = Path("/usr/lib/python3/dist-packages")
    vendored = ["requests", "urllib3", "rich", "pygments", "packaging", "certifi", "idna",
                "msgpack", "platformdirs", "cachecontrol", "resolvelib", "pyproject_hooks",
                "tomli", "distlib"]
    roots = []
    for name in vendored:
        roots.append((f"upstream {name} -> pip-vendored {name}",
                      venv_site / name, venv_site / "pip" / "_vendor" / name))
        roots.append((f"debian pip {name} -> venv pip {name}",
                      debian / "pip" / "_vendor" / name, venv_site / "pip" / "_vendor" / name))
    roots += [
        ("debian pip -> venv pip", debian / "pip" / "_internal", venv_site / "pip" / "_internal"),
        ("debian setuptools -> venv setuptools", debian / "setuptools", venv_site / "setuptools"),
        ("debian pygments -> venv pygments", debian / "pygments", venv_site / "pygments"),
    ]
    return [(label, a, b) for label, a, b in roots if a.is_dir() and b.is_dir()]


def _pairs() -> Iterator[tuple[str, str, str, str]]:
    """(source label, relative path, before, after) for every small real change."""
    for label, old_root, new_root in _roots():
        for old in sorted(old_root.rglob("*.py")):
            new = new_root / old.relative_to(old_root)
            if not new.is_file():
                continue
            before = old.read_text(encoding="utf-8", errors="replace")
            after = new.read_text(encoding="utf-8", errors="replace")
            if before == after or len(before.splitlines()) > MAX_LINES:
                continue
            if len(after.splitlines()) > MAX_LINES or not (parses(before) and parses(after)):
                continue
            yield label, f"{new_root.name}/{new.relative_to(new_root)}", before, after


def _ops(before: list[str], after: list[str]) -> list[tuple[str, int, int, int, int]]:
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    return [op for op in matcher.get_opcodes() if op[0] != "equal"]


def _indent(line: str) -> str:
    return line[: len(line) - len(line.lstrip())]


def make_sketch(path: str, before: list[str], after: list[str], context: int, words: str) -> str:
    """The new file's changed regions with ``context`` lines around, elisions between."""
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    groups = list(matcher.get_grouped_opcodes(context))
    out: list[str] = []

    def marker(near: str) -> str:
        return marker_line(path, _indent(near)).replace("... existing code ...", words)

    for group in groups:
        first, last = group[0], group[-1]
        if first[1] > 0:
            out.append(marker(after[first[3]] if first[3] < len(after) else ""))
        for _tag, _i1, _i2, j1, j2 in group:
            out.extend(after[j1:j2])
        if last[2] < len(before):
            out.append(marker(after[last[4] - 1] if last[4] > 0 else ""))
    # Two groups share the marker between them.
    deduped = [line for i, line in enumerate(out) if not (i and line == out[i - 1]
                                                          and words in line)]
    return "\n".join(deduped) + "\n"


def build_apply(skip: frozenset[str] = frozenset(), prefix: str = "apply") -> list[dict]:
    """Up to 40 cases, at most 4 per source, leaving out the (source, path)s in ``skip``."""
    per_source: dict[str, int] = {}
    cases = []
    for label, path, before, after in _pairs():
        b, a = before.splitlines(), after.splitlines()
        ops = _ops(b, a)
        changed = sum(max(i2 - i1, j2 - j1) for _t, i1, i2, j1, j2 in ops)
        if not 1 <= len(ops) <= 6 or changed > 30 or per_source.get(label, 0) >= 4:
            continue
        if f"{label}:{path}" in skip:
            continue
        seed = zlib.crc32(path.encode())
        context = 1 + seed % 3
        words = MARKER_WORDS[seed // 3 % len(MARKER_WORDS)]
        sketch = make_sketch(path, b, a, context, words)
        per_source[label] = per_source.get(label, 0) + 1
        cases.append({"id": f"{prefix}-{len(cases):03d}", "source": label, "path": path,
                      "original": before, "sketch": sketch, "expected": after,
                      "context_lines": context})
        if len(cases) >= APPLY_CASES:
            break
    return cases


def build_tab() -> list[dict]:
    per_source: dict[str, int] = {}
    cases = []
    for label, path, before, after in _pairs():
        b, a = before.splitlines(), after.splitlines()
        ops = _ops(b, a)
        if len(ops) < 3 or any(max(i2 - i1, j2 - j1) > 3 for _t, i1, i2, j1, j2 in ops):
            continue
        if per_source.get(label, 0) >= 6:
            continue
        per_source[label] = per_source.get(label, 0) + 1
        for k in range(1, min(len(ops), 4) + 1):
            cases.append(_tab_case(f"tab-{len(cases):03d}", label, path, b, a, ops, k))
            if len(cases) >= TAB_CASES:
                return cases
    return cases


def _tab_case(case_id: str, label: str, path: str, b: list[str], a: list[str],
              ops: list, k: int) -> dict:
    """State after the first ``k`` changes; the target is change ``k + 1`` (or null)."""
    state: list[str] = []
    cursor = 0
    previous = 0
    shift = 0
    for _tag, i1, i2, j1, j2 in ops[:k]:
        state.extend(b[previous:i1])
        state.extend(a[j1:j2])
        cursor = len(state) if j2 > j1 else len(state) + 1
        previous = i2
        shift += (j2 - j1) - (i2 - i1)
    state.extend(b[previous:])
    history = "".join(difflib.unified_diff(
        [line + "\n" for line in b], [line + "\n" for line in state],
        f"a/{path}", f"b/{path}", n=2))
    target = None
    if k < len(ops):
        _tag, i1, i2, j1, j2 = ops[k]
        start = i1 + shift + 1
        target = {"start_line": start, "end_line": start + (i2 - i1) - 1,
                  "new_text": "".join(line + "\n" for line in a[j1:j2])}
    return {"id": case_id, "source": label, "path": path, "file": "\n".join(state) + "\n",
            "cursor_line": max(cursor, 1), "diff": history, "expected": target}


def _name_lines(source: str, name: str) -> list[int]:
    """1-based lines where ``name`` occurs as code (not in strings or comments)."""
    return sorted({start[0] for start, _ in _name_spans(source, name)})


def _name_spans(source: str, name: str) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """Where ``name`` is used as a plain name (not ``x.name``, not in strings or comments)."""
    spans = []
    previous = None
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type == tokenize.NAME and token.string == name and not (
                    previous is not None and previous.string == "."):
                spans.append((token.start, token.end))
            if token.type not in (tokenize.NL, tokenize.COMMENT):
                previous = token
    except (tokenize.TokenError, SyntaxError):
        return []
    return spans


def _renamed(line: str, old: str, new: str) -> str:
    out = [(start[1], end[1]) for start, end in _name_spans(line.strip() + "\n", old)]
    if not out:
        return line
    indent = len(line) - len(line.lstrip())
    for start, end in reversed(out):
        line = line[: indent + start] + new + line[indent + end:]
    return line


def _single_line_calls(tree: ast.AST, name: str) -> list[ast.Call]:
    return [node for node in ast.walk(tree) if isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name) and node.func.id == name
            and node.lineno == node.end_lineno and not node.keywords]


def build_tab_refactors() -> list[dict]:
    """Refactors applied one line at a time to real stdlib modules: a module-level function
    renamed (``f`` → ``_f``), or a keyword argument added to every one-line call of it."""
    stdlib = Path(ast.__file__).parent
    cases: list[dict] = []
    for module in sorted(stdlib.glob("*.py")):
        source = module.read_text(encoding="utf-8", errors="replace")
        if len(source.splitlines()) > 1500 or not parses(source):
            continue
        tree = ast.parse(source)
        lines = source.splitlines()
        functions = [n.name for n in tree.body if isinstance(n, ast.FunctionDef)
                     and not n.name.startswith("_")]
        for name in functions:
            uses = _name_lines(source, name)
            calls = _single_line_calls(tree, name)
            rename_ok = 4 <= len(uses) <= 30
            if rename_ok and sum(c["kind"] == "rename" for c in cases) < 15:
                after = list(lines)
                for number in uses:
                    after[number - 1] = _renamed(lines[number - 1], name, "_" + name)
                cases += _sequence(f"{module.name}:{name}", "rename", lines, after, uses)
                break
            lines_with_calls = sorted({c.lineno for c in calls})
            if 4 <= len(lines_with_calls) == len(calls) and sum(
                    c["kind"] == "add-argument" for c in cases) < 15:
                after = list(lines)
                for call in calls:
                    line = after[call.lineno - 1]
                    at = call.end_col_offset - 1  # the closing parenthesis
                    glue = ", " if call.args else ""
                    after[call.lineno - 1] = line[:at] + glue + "strict=True" + line[at:]
                cases += _sequence(f"{module.name}:{name}", "add-argument", lines, after,
                                   lines_with_calls)
                break
        if len(cases) >= 30:
            break
    return cases[:30]


def _sequence(label: str, kind: str, lines: list[str], after: list[str],
              changed: list[int]) -> list[dict]:
    """Up to three cases: the first ``k`` changed lines done, the ``k+1``-th expected."""
    cases = []
    for k in range(1, min(len(changed), 4)):
        state = list(lines)
        for number in changed[:k]:
            state[number - 1] = after[number - 1]
        history = "".join(difflib.unified_diff(
            [line + "\n" for line in lines], [line + "\n" for line in state],
            f"a/{label}", f"b/{label}", n=2))
        target_line = changed[k]
        cases.append({"id": f"{kind}-{label}-{k}", "kind": kind, "source": label,
                      "path": label.split(":")[0], "file": "\n".join(state) + "\n",
                      "cursor_line": changed[k - 1], "diff": history,
                      "expected": {"start_line": target_line, "end_line": target_line,
                                   "new_text": after[target_line - 1] + "\n"}})
    return cases


def _write(path: Path, cases: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = "".join(json.dumps(case, sort_keys=True) + "\n" for case in cases)
    # mtime=0 keeps the file byte-identical across rebuilds.
    path.write_bytes(gzip.compress(lines.encode(), mtime=0))


def load_cases(path: Path) -> list[dict]:
    """Read a dev set written by this script."""
    return [json.loads(line) for line in gzip.decompress(path.read_bytes()).splitlines()]


def main() -> None:
    apply_cases, tab_cases, refactors = build_apply(), build_tab(), build_tab_refactors()
    # Held out: built after the Apply rules were tuned on the dev set, evaluated, never tuned on.
    heldout = build_apply(frozenset(f"{c['source']}:{c['path']}" for c in apply_cases),
                          "heldout")
    _write(APPLY_FILE, apply_cases)
    _write(APPLY_HELDOUT_FILE, heldout)
    print(f"apply held-out: {len(heldout)} cases -> {APPLY_HELDOUT_FILE.relative_to(ROOT)}",
          file=sys.stderr)
    _write(TAB_FILE, tab_cases)
    _write(TAB_REFACTOR_FILE, refactors)
    print(f"tab refactors: {len(refactors)} cases -> {TAB_REFACTOR_FILE.relative_to(ROOT)}",
          file=sys.stderr)
    print(f"apply: {len(apply_cases)} cases -> {APPLY_FILE.relative_to(ROOT)}", file=sys.stderr)
    print(f"tab: {len(tab_cases)} cases -> {TAB_FILE.relative_to(ROOT)}", file=sys.stderr)


if __name__ == "__main__":
    main()
