"""The labelled evaluation set for hunk importance, built from real files on this machine.

Each case is one diff (one or more files, full contents known) whose hunks are labelled
`mechanical` (a reviewer may skip it), `meaningful` (it changes behaviour) or `docs` (comments
and docstrings: shown, never the point of the AUROC). Cases are split dev/test by their source
file, so thresholds tuned on dev are measured on files they never saw.

    cases = build_cases(seed=0)   # deterministic for a given Python installation
"""

from __future__ import annotations

import difflib
import hashlib
import importlib.metadata
import random
import re
import sys
import sysconfig
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

# Run as a script from anywhere: the repository root holds reviewapp/ and synthdata/.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import importance_edits as mech  # noqa: E402
import importance_logic as logic  # noqa: E402

from reviewapp.ingest.parsed import (  # noqa: E402
    MODIFIED,
    ParsedDiff,
    ParsedFile,
    ParsedHunk,
    ParsedLine,
)

MECHANICAL, MEANINGFUL, DOCS = "mechanical", "meaningful", "docs"
SITE = Path(sysconfig.get_paths()["purelib"])
STDLIB = Path(sysconfig.get_paths()["stdlib"])


@dataclass
class Case:
    kind: str  # the transformation, e.g. "black", "bug:comparison"
    source: str  # the main source file (decides the split)
    diff: ParsedDiff
    labels: list[list[str]]  # per file, per hunk
    gitattributes: str | None = None
    split: str = field(default="")


def file_diff(path: str, old: str, new: str, context: int = 3) -> ParsedFile:
    """A ParsedFile of old → new as `git diff -U3` would cut it, contents attached."""
    a, b = old.splitlines(), new.splitlines()
    hunks = []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for group in matcher.get_grouped_opcodes(context):
        i1, j1 = group[0][1], group[0][3]
        i2, j2 = group[-1][2], group[-1][4]
        lines = []
        for tag, x1, x2, y1, y2 in group:
            if tag == "equal":
                lines += [ParsedLine(" ", a[x1 + k], x1 + k + 1, y1 + k + 1)
                          for k in range(x2 - x1)]
                continue
            lines += [ParsedLine("-", a[x], x + 1, None) for x in range(x1, x2)]
            lines += [ParsedLine("+", b[y], None, y + 1) for y in range(y1, y2)]
        hunks.append(ParsedHunk(i1 + 1 if i2 > i1 else i1, i2 - i1, j1 + 1 if j2 > j1 else j1,
                                j2 - j1, "", lines))
    return ParsedFile(path, path, MODIFIED, hunks, old_content=old, new_content=new)


def _label_hunks(pfile: ParsedFile, mech_text: str, final: str) -> list[str]:
    """Meaningful where the hunk touches lines that differ between the mechanical and final text."""
    if mech_text == final:
        return [MECHANICAL] * len(pfile.hunks)
    matcher = difflib.SequenceMatcher(None, mech_text.splitlines(), final.splitlines(),
                                      autojunk=False)
    spans = [(j1, j2) for tag, _, _, j1, j2 in matcher.get_opcodes() if tag != "equal"]
    labels = []
    for hunk in pfile.hunks:
        lo, hi = hunk.new_start - 1, hunk.new_start - 1 + hunk.new_lines
        touched = any((j1 < hi and j2 > lo) if j2 > j1 else (lo <= j1 <= hi) for j1, j2 in spans)
        labels.append(MEANINGFUL if touched else MECHANICAL)
    return labels


def _python_sources(limit: int, rng: random.Random) -> list[Path]:
    """Parseable, moderately sized Python files from the stdlib and installed packages."""
    found = []
    for root in (STDLIB, SITE):
        for path in sorted(root.rglob("*.py")):
            rel = str(path)
            if "/test" in rel or "site-packages" in rel and root == STDLIB or "/idlelib/" in rel:
                continue
            try:
                size = path.stat().st_size
            except OSError:
                continue
            if 3_000 <= size <= 60_000:
                found.append(path)
    rng.shuffle(found)
    good = []
    for path in found:
        rel = str(path)
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        # Generated and vendored files are not where hand-written logic changes happen.
        head = "\n".join(text.splitlines()[:15]).lower()
        if "generated" in head or "do not edit" in head or re.search(r"/_?vendor(ed)?/", rel):
            continue
        if mech.parses(text) and "\t" not in text and "\r" not in text:
            good.append(path)
        if len(good) >= limit:
            break
    return good


def _display(path: Path) -> str:
    for root in (SITE, STDLIB):
        if path.is_relative_to(root):
            return str(path.relative_to(root))
    return path.name


def _single(kind: str, path: Path, old: str, mech_text: str, final: str,
            forced: str | None = None) -> Case:
    pfile = file_diff(_display(path), old, final)
    labels = [forced] * len(pfile.hunks) if forced else _label_hunks(pfile, mech_text, final)
    return Case(kind, str(path), ParsedDiff([pfile]), [labels])


Edit = Callable[[str, random.Random], "str | None"]


def _python_cases(paths: list[Path], rng: random.Random) -> list[Case]:
    cases: list[Case] = []
    plain: list[tuple[str, Edit, str]] = [
        ("black", mech.black_function, MECHANICAL),
        ("black-60", lambda s, r: mech.black_function(s, r, 60), MECHANICAL),
        ("rename-local", mech.rename_local, MECHANICAL),
        ("rename-global", mech.rename_global, MECHANICAL),
        ("move", mech.move_function, MECHANICAL),
        ("sort-imports", mech.sort_imports, MECHANICAL),
        ("reindent", mech.reindent_function, MECHANICAL),
        ("docs", mech.edit_comment_or_docstring, DOCS),
        ("bug", logic.inject_bug, MEANINGFUL),
        ("bug", logic.inject_bug, MEANINGFUL),
        ("bug", logic.inject_bug, MEANINGFUL),
        ("removed-check", logic.remove_check, MEANINGFUL),
        ("feature", logic.add_feature, MEANINGFUL),
        ("default-value", logic.change_default, MEANINGFUL),
        ("dedent", logic.dedent_statement, MEANINGFUL),
    ]
    for i, path in enumerate(paths):
        src = path.read_text(encoding="utf-8")
        kind, edit, label = plain[i % len(plain)]
        new = edit(src, rng)
        if new is not None and new != src:
            cases.append(_single(kind, path, src, src if label == MEANINGFUL else new, new,
                                 None if label != DOCS else DOCS))
        # Adversarial mixes: a mechanical edit plus one real change, on every third file.
        if i % 3 == 0:
            cases.extend(_mixed_case(path, src, rng, i // 3))
    return cases


def _mixed_case(path: Path, src: str, rng: random.Random, turn: int) -> list[Case]:
    """A mechanical edit with a logic change inside: only the changed hunk is meaningful."""
    mixes: list[tuple[str, Edit]] = [
        ("mixed:black+bug", mech.black_function),
        ("mixed:rename+bug", mech.rename_local),
        ("mixed:move+bug", mech.move_function),
        ("mixed:var-swap", None),  # a bug that looks like a rename
    ]
    kind, edit = mixes[turn % len(mixes)]
    if edit is None:
        new = logic.inject_bug(src, rng, kind="variable_misuse")
        return [_single(kind, path, src, src, new)] if new else []
    middle = edit(src, rng)
    if middle is None:
        return []
    final = logic.inject_bug(middle, rng)
    if final is None:
        return []
    return [_single(kind, path, src, middle, final)]


def _cross_file_cases(paths: list[Path], rng: random.Random, count: int) -> list[Case]:
    """Functions moved between files, and one edit repeated across several files."""
    cases = []
    for k in range(count):
        a, b = paths[2 * k], paths[2 * k + 1]
        src_a, src_b = a.read_text(encoding="utf-8"), b.read_text(encoding="utf-8")
        cut = mech.cut_function(src_a, rng)
        if cut is None:
            continue
        rest, block = cut
        new_b = src_b.rstrip("\n") + "\n\n\n" + block
        files = [file_diff(_display(a), src_a, rest), file_diff(_display(b), src_b, new_b)]
        labels = [[MECHANICAL] * len(f.hunks) for f in files]
        cases.append(Case("move-across", str(a), ParsedDiff(files), labels))
    # The same one-line edit in 4 files (a codemod): one line everyone has, changed identically.
    future = "from __future__ import annotations"
    for k in range(count):
        group = paths[2 * count + 4 * k: 2 * count + 4 * k + 4]
        files = []
        for path in group:
            src = path.read_text(encoding="utf-8")
            lines = src.splitlines(keepends=True)
            at = next((i for i, ln in enumerate(lines) if ln.startswith(("import ", "from "))),
                      None)
            if at is None or future in src:
                continue
            new = "".join(lines[:at] + [future + "\n"] + lines[at:])
            files.append(file_diff(_display(path), src, new))
        if len(files) >= 2:
            cases.append(Case("repeated", str(group[0]), ParsedDiff(files),
                              [[MECHANICAL] * len(f.hunks) for f in files]))
    return cases


def _dists(rng: random.Random) -> list[tuple[str, str, str]]:
    """(name, version, summary) of the installed distributions, shuffled."""
    seen = {}
    for dist in importlib.metadata.distributions():
        name = dist.metadata["Name"]
        if name and name.lower() not in seen:
            seen[name.lower()] = (name, dist.version, (dist.metadata["Summary"] or "").strip())
    items = sorted(seen.values())
    rng.shuffle(items)
    return items


def _bump(version: str, rng: random.Random) -> str:
    parts = re.findall(r"\d+", version)[:3] or ["0"]
    parts += ["0"] * (3 - len(parts))
    major, minor, patch = (int(p) for p in parts)
    if rng.random() < 0.5:
        return f"{major}.{minor}.{patch + 1 + rng.randrange(3)}"
    return f"{major}.{minor + 1}.0"


MANIFESTS = ("requirements.txt", "pyproject.toml", "poetry.lock", "package-lock.json")


def _render_manifest(path: str, chosen: list[tuple[str, str, str]], v: dict[str, str]) -> str:
    """A manifest or lockfile listing `chosen` distributions, with versions overridden by `v`."""
    if path == "requirements.txt":
        return "".join(f"{n}=={v.get(n, ver)}\n" for n, ver, _ in chosen)
    if path == "pyproject.toml":
        return ("[project]\nname = \"app\"\ndependencies = [\n"
                + "".join(f"    \"{n}>={v.get(n, ver)}\",\n" for n, ver, _ in chosen) + "]\n")
    if path == "poetry.lock":
        return "".join(
            f"[[package]]\nname = \"{n.lower()}\"\nversion = \"{v.get(n, ver)}\"\n"
            f"description = \"{s[:60]}\"\noptional = false\n"
            f"files = [\n    {{file = \"{n.lower()}-{v.get(n, ver)}.tar.gz\", hash = \"sha256:"
            f"{hashlib.sha256((n + v.get(n, ver)).encode()).hexdigest()}\"}},\n]\n\n"
            for n, ver, s in chosen)
    return "{\n  \"packages\": {\n" + ",\n".join(
        f"    \"node_modules/{n.lower()}\": {{\n      \"version\": \"{v.get(n, ver)}\",\n"
        f"      \"integrity\": \"sha512-"
        f"{hashlib.sha512((n + v.get(n, ver)).encode()).hexdigest()[:40]}\"\n    }}"
        for n, ver, _ in chosen) + "\n  }\n}\n"


def _manifest_cases(rng: random.Random, count: int) -> list[Case]:
    """requirements.txt / pyproject.toml version bumps and regenerated lockfiles."""
    cases = []
    dists = _dists(rng)
    for k in range(count):
        chosen = sorted(rng.sample(dists, min(40, len(dists))), key=lambda d: d[0].lower())
        bumped = {d[0]: _bump(d[1], rng) for d in rng.sample(chosen, 3)}
        path = MANIFESTS[k % len(MANIFESTS)]
        old, new = _render_manifest(path, chosen, {}), _render_manifest(path, chosen, bumped)
        pfile = file_diff(path, old, new)
        cases.append(Case(f"manifest:{path}", f"manifest-{k}", ParsedDiff([pfile]),
                          [[MECHANICAL] * len(pfile.hunks)]))
    # __version__ bumps in real packages' __init__.py files.
    inits = sorted(p for p in SITE.glob("*/__init__.py")
                   if re.search(r"^__version__ = ['\"][\d.]+['\"]", p.read_text("utf-8", "replace"),
                                re.M))
    for path in inits[:count]:
        src = path.read_text(encoding="utf-8")
        new = re.sub(r"^(__version__ = ['\"])([\d.]+)(['\"])",
                     lambda m: m.group(1) + _bump(m.group(2), rng) + m.group(3), src, count=1,
                     flags=re.M)
        cases.append(_single("version", path, src, new, new))
    return cases


def _generated_cases(rng: random.Random) -> list[Case]:
    """Regenerated files: stdlib generated modules, a minified vendored library, .gitattributes."""
    cases = []
    for name in ("token.py", "keyword.py", "stringprep.py", "re/_casefix.py",
                 "pydoc_data/topics.py"):
        path = STDLIB / name
        if not path.exists():
            continue
        src = path.read_text(encoding="utf-8")
        lines = src.splitlines(keepends=True)
        # A regeneration renumbers or rewrites entries: change a few numbers far apart.
        numbered = [i for i, ln in enumerate(lines) if re.search(r"\d", ln) and i > 15]
        for i in sorted(rng.sample(numbered, min(4, len(numbered)))):
            lines[i] = re.sub(r"\d+", lambda m: str(int(m.group(0)) + 1), lines[i], count=1)
        new = "".join(lines)
        if new != src:
            cases.append(_single("generated", path, src, new, new))
    for path in sorted(SITE.glob("django/contrib/admin/static/admin/js/vendor/*/*.min.js"))[:4]:
        src = path.read_text(encoding="utf-8", errors="replace")
        new = re.sub(r"\d+\.\d+\.\d+", lambda m: _bump(m.group(0), rng), src, count=3)
        if new != src:
            cases.append(_single("minified", path, src, new, new))
    # A project marks its generated API client in .gitattributes; the real file is regenerated.
    for path in _python_sources(400, random.Random(99))[-4:]:
        src = path.read_text(encoding="utf-8")
        new = mech.black_function(src, rng, 60) or src
        new = logic.inject_bug(new, rng) or new  # generated code still counts as generated
        pfile = file_diff("client/generated/" + path.name, src, new)
        cases.append(Case("gitattributes", str(path), ParsedDiff([pfile]),
                          [[MECHANICAL] * len(pfile.hunks)],
                          gitattributes="client/generated/** linguist-generated=true\n"))
    return cases


def _js_cases(rng: random.Random) -> list[Case]:
    """Whitespace-only edits of real JavaScript/CSS: re-indentation and trailing spaces."""
    cases = []
    paths = sorted(SITE.glob("django/contrib/admin/static/admin/js/*.js"))
    paths += sorted(SITE.glob("django/contrib/admin/static/admin/css/*.css"))
    for path in paths:
        src = path.read_text(encoding="utf-8")
        lines = src.splitlines(keepends=True)
        if len(lines) < 30:
            continue
        start = rng.randrange(0, len(lines) - 20)
        for i in range(start, start + 12):
            if lines[i].strip():
                lines[i] = ("  " + lines[i]) if rng.random() < 0.5 else lines[i].rstrip() + "  \n"
        new = "".join(lines)
        cases.append(_single("whitespace-js", path, src, new, new))
    return cases


def build_cases(seed: int = 0, python_files: int = 330) -> list[Case]:
    """The whole evaluation set, deterministic for a seed on a given installation."""
    rng = random.Random(seed)
    paths = _python_sources(python_files + 60, rng)
    cases = _python_cases(paths[:python_files], rng)
    cases += _cross_file_cases(paths[python_files:], rng, 10)
    cases += _manifest_cases(rng, 16)
    cases += _generated_cases(rng)
    cases += _js_cases(rng)
    for case in cases:
        digest = hashlib.sha1(case.source.encode()).digest()[0]
        case.split = "dev" if digest % 2 == 0 else "test"
        # Hunks of no change at all cannot happen in git diffs; drop empty files.
        keep = [i for i, f in enumerate(case.diff.files) if f.hunks]
        case.diff.files = [case.diff.files[i] for i in keep]
        case.labels = [case.labels[i] for i in keep]
    return [c for c in cases if c.diff.files]


if __name__ == "__main__":
    from collections import Counter

    built = build_cases()
    counts: Counter[tuple[str, str]] = Counter()
    for c in built:
        for labels in c.labels:
            for label in labels:
                counts[(c.kind.split(":")[0], label)] += 1
    for (kind, label), n in sorted(counts.items()):
        print(f"{kind:16} {label:11} {n}")
    print("hunks", sum(counts.values()), "cases", len(built))
