"""Deterministic generator of realistic multi-file git diffs, for the ingest benchmark and tests.

`generate_diff(files=200, lines=10_000, seed=0)` returns the text of a `git diff -M -C --full-index`
style diff of a small polyglot repository: Python, JavaScript, Go and C modules that import each
other, their tests, Markdown docs, a `package-lock.json`, a binary image, a mode change, renames,
new and deleted files. Every file is rendered in full before and after the change and the hunks
come from `difflib`, so hunk headers, line numbers, section headers and blob ids are consistent.
The same arguments always give the same text. `lines` is a target: the result is within a few
percent of it for budgets of at least ~20 lines per file.

Run as a script to print a diff: `python benchmarks/diffgen.py --files 200 --lines 10000`.
"""

from __future__ import annotations

import argparse
import difflib
import hashlib
import random
import re
from dataclasses import dataclass, field

NOUNS = ["token", "parser", "buffer", "cache", "index", "review", "hunk", "score", "config",
         "queue", "worker", "digest", "render", "stream", "graph", "node", "edge", "client",
         "session", "record", "batch", "filter", "window", "schema", "route", "handler",
         "metric", "ledger", "span", "frame", "cursor", "range", "commit", "branch", "patch"]
VERBS = ["parse", "load", "build", "merge", "split", "emit", "rank", "flush", "resolve",
         "encode", "decode", "apply", "collect", "validate", "normalize", "fetch", "count"]
PROSE = ["The reviewer sees each file in dependency order.",
         "Hunks that only move code are grayed.",
         "Run the benchmark twice and keep the median.", "Configuration lives in one file.",
         "A new revision keeps the files you already marked as viewed.",
         "Errors carry the line of the diff that broke the parser.",
         "Large diffs are rendered lazily, far files last.", "Caches are rebuilt on demand."]
LANGS = ("py", "js", "go", "c")
# Section-header regexes: the line git would show after "@@" (the enclosing definition).
_SECTION = {"py": re.compile(r"^(def |class )"), "js": re.compile(r"^export function "),
            "go": re.compile(r"^func "), "c": re.compile(r"^(int|void|static) \w+\(")}


# Statement shapes per language: a call into another function, a branch, a loop, a log
# line, arithmetic. str.format templates, so literal braces are doubled.
_STATEMENTS = {
    "py": (["    {var} = {callee}({var}, {k})"],
           ["    if {var} > {k}:", "        {var} -= {k}"],
           ["    for entry in items:", "        result.append(entry * {k})"],
           ['    log.debug("{noun} %s", {var})'],
           ["    {var} = len(result) + {k}"]),
    "js": (["  const {var}{k} = {callee}(items, {k});"],
           ["  if (result.length > {k}) {{", "    result.splice({k});", "  }}"],
           ["  for (const entry of items) result.push(entry * {k});"],
           ["  console.debug('{noun}', result.length);"],
           ["  result.push({k});"]),
    "go": (["\tresult += {callee}(items, {k})"],
           ["\tif result > {k} {{", "\t\tresult -= {k}", "\t}}"],
           ["\tfor _, entry := range items {{", "\t\tresult += entry * {k}", "\t}}"],
           ['\tlog.Printf("{noun} %d", result)'],
           ["\tresult += len(items) + {k}"]),
    "c": (["    result += {callee}(items, n, {k});"],
          ["    if (result > {k}) {{", "        result -= {k};", "    }}"],
          ["    for (int i = 0; i < n; i++) result += items[i] * {k};"],
          ['    fprintf(stderr, "{noun} %d\\n", result);'],
          ["    result += n + {k};"]),
}


@dataclass
class _Module:
    """A source module and the functions it defines, before and after the change."""

    lang: str
    stem: str
    funcs: list[str]
    deps: list[_Module] = field(default_factory=list)
    new_deps: list[_Module] = field(default_factory=list)  # imports the change adds

    @property
    def path(self) -> str:
        return {"py": f"src/app/{self.stem}.py", "js": f"web/src/{self.stem}.js",
                "go": f"internal/{self.stem}/{self.stem}.go", "c": f"csrc/{self.stem}.c"}[self.lang]

    def test_path(self) -> str:
        return {"py": f"tests/test_{self.stem}.py", "js": f"web/src/{self.stem}.test.js",
                "go": f"internal/{self.stem}/{self.stem}_test.go",
                "c": f"csrc/tests/test_{self.stem}.c"}[self.lang]


def _ident(lang: str, words: list[str]) -> str:
    """A function name in the language's convention."""
    if lang == "js":
        return words[0] + "".join(w.title() for w in words[1:])
    if lang == "go":
        return "".join(w.title() for w in words)
    return "_".join(words)


def _call(lang: str, owner: _Module, func: str) -> str:
    """How code in another module refers to `func` of `owner`."""
    return f"{owner.stem}.{func}" if lang == "go" else func


class _Writer:
    """Renders module files in one language; `rng` decides statement shapes."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def statement(self, lang: str, callees: list[str]) -> list[str]:
        rng = self.rng
        var = rng.choice(["value", "count", "total", "item", "size", "offset"])
        k = rng.randint(1, 64)
        callee = rng.choice(callees) if callees else None
        shape = rng.randrange(5)
        if shape == 0 and not callee:
            shape = 4
        noun = rng.choice(NOUNS) if shape == 3 else ""
        return [template.format(var=var, k=k, callee=callee, noun=noun)
                for template in _STATEMENTS[lang][shape]]

    def function(self, lang: str, name: str, body: list[str]) -> list[str]:
        if lang == "py":
            return [f"def {name}(items, value=0):", f'    """{name.replace("_", " ")}."""',
                    "    result = []", *body, "    return result", "", ""]
        if lang == "js":
            return [f"export function {name}(items, value = 0) {{", "  const result = [];",
                    *body, "  return result;", "}", ""]
        if lang == "go":
            return [f"// {name} is part of the package API.",
                    f"func {name}(items []int, value int) int {{", "\tresult := value",
                    *body, "\treturn result", "}", ""]
        return [f"int {name}(const int *items, int n, int value)", "{", "    int result = value;",
                *body, "    return result;", "}", ""]

    def header(self, mod: _Module, deps: list[_Module]) -> list[str]:
        lang = mod.lang
        if lang == "py":
            lines = [f'"""{mod.stem.replace("_", " ").title()} helpers."""', "",
                     "from __future__ import annotations", "", "import logging", ""]
            lines += [f"from app.{d.stem} import {', '.join(d.funcs[:2])}" for d in deps]
            return lines + ["", "log = logging.getLogger(__name__)", "", ""]
        if lang == "js":
            lines = [f"// {mod.stem}: {mod.stem.replace('_', ' ')} helpers.", ""]
            lines += [f"import {{ {', '.join(d.funcs[:2])} }} from './{d.stem}.js';" for d in deps]
            return lines + [""]
        if lang == "go":
            lines = [f"// Package {mod.stem} implements {mod.stem.replace('_', ' ')}.",
                     f"package {mod.stem}", "", "import (", '\t"log"']
            lines += [f'\t"example.com/squiggle/internal/{d.stem}"' for d in deps]
            return lines + [")", ""]
        lines = ["#include <stdio.h>", f'#include "{mod.stem}.h"']
        lines += [f'#include "{d.stem}.h"' for d in deps]
        return lines + [""]


def _blob_id(text: str) -> str:
    """The git blob id of `text` (what `git hash-object` prints)."""
    data = text.encode()
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def _join(lines: list[str]) -> str:
    return "".join(line + "\n" for line in lines)


def _file_diff(path: str, old: list[str] | None, new: list[str] | None, lang: str = "",
               old_path: str | None = None, mode: str = "100644") -> list[str]:
    """One file's git diff: header lines plus difflib hunks with git-style section headers."""
    old_path = old_path or path
    zero = "0" * 40
    old_id = _blob_id(_join(old)) if old is not None else zero
    new_id = _blob_id(_join(new)) if new is not None else zero
    out = [f"diff --git a/{old_path} b/{path}"]
    if old is None:
        out += [f"new file mode {mode}", f"index {old_id}..{new_id}"]
    elif new is None:
        out += [f"deleted file mode {mode}", f"index {old_id}..{new_id}"]
    else:
        if old_path != path:
            same = sum(n for *_, n in difflib.SequenceMatcher(None, old, new).get_matching_blocks())
            similarity = 100 * same // max(len(old), len(new), 1)
            out += [f"similarity index {similarity}%", f"rename from {old_path}",
                    f"rename to {path}"]
        if old == new:
            return out
        out.append(f"index {old_id}..{new_id} {mode}")
    out += ["--- /dev/null" if old is None else f"--- a/{old_path}",
            "+++ /dev/null" if new is None else f"+++ b/{path}"]
    section = _SECTION.get(lang)
    for line in list(difflib.unified_diff(old or [], new or [], lineterm="", n=3))[2:]:
        if line.startswith("@@") and section and old:
            start = int(line.split()[1].split(",")[0][1:])
            defs = [text for text in old[: max(start - 1, 0)] if section.match(text)]
            if defs:
                line += " " + defs[-1]
        out.append(line)
    return out


class _Repo:
    """Plans the files of one generated change and renders their diffs."""

    def __init__(self, files: int, lines: int, seed: int) -> None:
        self.rng = random.Random(seed)
        self.writer = _Writer(self.rng)
        self.files = files
        self.lines = lines
        self.used_names: set[str] = set()

    def _stem(self) -> str:
        for attempt in range(10_000):
            stem = f"{self.rng.choice(NOUNS)}_{self.rng.choice(NOUNS)}"
            if attempt > 20:  # the two-word names are used up: number them
                stem += str(attempt)
            if stem not in self.used_names:
                self.used_names.add(stem)
                return stem
        raise RuntimeError("no free module name")

    def _func_names(self, lang: str, stem: str, count: int) -> list[str]:
        names = []
        while len(names) < count:
            words = [self.rng.choice(VERBS), *stem.split("_")[: self.rng.randint(1, 2)]]
            if self.rng.random() < 0.3:
                words.append(self.rng.choice(NOUNS))
            name = _ident(lang, words)
            if name not in self.used_names:
                self.used_names.add(name)
                names.append(name)
        return names

    def _plan(self) -> list[tuple[str, object]]:
        """The file entries in diff order: (kind, subject)."""
        n = self.files
        special = []
        if n >= 4:
            special.append(("lockfile", None))
        if n >= 3:
            special += [("doc", None)] * max(1, n // 25)
        if n >= 20:
            special.append(("binary", None))
        if n >= 30:
            special.append(("mode", None))
        code_slots = n - len(special)
        tests = code_slots // 5
        sources = code_slots - tests
        by_lang: dict[str, list[_Module]] = {lang: [] for lang in LANGS}
        modules = []
        for i in range(sources):
            lang = LANGS[i % 4] if i >= 4 else LANGS[i]
            mod = _Module(lang, self._stem(), [])
            mod.funcs = self._func_names(lang, mod.stem, self.rng.randint(2, 5))
            # Imports point at earlier modules (a DAG), with an occasional back edge: a cycle.
            earlier = by_lang[lang]
            if earlier:
                mod.deps = self.rng.sample(earlier, min(len(earlier), self.rng.randint(0, 2)))
                mod.new_deps = [self.rng.choice(earlier)] if self.rng.random() < 0.6 else []
                if self.rng.random() < 0.05 and earlier[0] not in mod.deps:
                    earlier[0].new_deps.append(mod)
            earlier.append(mod)
            modules.append(mod)
        entries: list[tuple[str, object]] = []
        for i, mod in enumerate(modules):
            status = "modified"
            roll = self.rng.random()
            if i >= 8 and roll < 0.1:
                status = "added"
            elif i >= 8 and roll < 0.14:
                status = "deleted"
            elif i >= 8 and roll < 0.18:
                status = "renamed"
            entries.append((status, mod))
        # Tests go with code that still exists (a deleted module's tests would go too).
        alive = [mod for status, mod in entries if status != "deleted"]
        tested = self.rng.sample(alive, min(tests, len(alive)))
        entries += [("test", mod) for mod in tested]
        entries += special
        return entries

    def _budgets(self, entries: list[tuple[str, object]]) -> list[int]:
        weights = []
        for kind, _ in entries:
            w = self.rng.lognormvariate(0, 0.7)
            weights.append({"lockfile": 3 * w, "doc": 0.5 * w, "binary": 0.0,
                            "mode": 0.0}.get(kind, w))
        body = max(self.lines - 6 * len(entries), len(entries))
        total = sum(weights) or 1.0
        return [max(4, int(body * w / total)) for w in weights]

    def _bodies(self, mod: _Module, callees: list[str], statements: int) -> list[list[list[str]]]:
        """Per function, its body as a list of statements (each a list of lines)."""
        per_func = max(2, statements // len(mod.funcs))
        return [[self.writer.statement(mod.lang, callees) for _ in range(per_func)]
                for _ in mod.funcs]

    def _module_lines(self, mod: _Module, deps: list[_Module],
                      bodies: list[list[list[str]]]) -> list[str]:
        lines = self.writer.header(mod, deps)
        for name, body in zip(mod.funcs, bodies, strict=True):
            lines += self.writer.function(mod.lang, name, [line for st in body for line in st])
        return lines

    def _source(self, status: str, mod: _Module, budget: int) -> list[str]:
        rng = self.rng
        callees = [_call(mod.lang, d, f) for d in mod.deps for f in d.funcs[:2]]
        callees += mod.funcs[:1]
        if status in ("added", "deleted"):
            # About 1.3 lines per statement plus 6 lines of frame per function.
            statements = max(2, int((budget - 6 * len(mod.funcs) - 8) / 1.3))
            content = self._module_lines(mod, mod.deps, self._bodies(mod, callees, statements))
            if status == "added":
                return _file_diff(mod.path, None, content, mod.lang)
            return _file_diff(mod.path, content, None, mod.lang)
        # A modified file is larger than its diff; edits replace a few statements, far apart.
        old_bodies = self._bodies(mod, callees, max(6, budget // 2))
        new_bodies = [list(body) for body in old_bodies]
        new_deps = mod.deps + [d for d in mod.new_deps if d not in mod.deps]
        new_callees = [_call(mod.lang, d, f) for d in new_deps for f in d.funcs[:2]]
        spent = 8 * (new_deps != mod.deps)
        slots = [(f, i) for f, body in enumerate(old_bodies) for i in range(0, len(body), 4)]
        for f, i in sorted(rng.sample(slots, len(slots)), reverse=True):
            if spent >= budget:
                break
            removed = new_bodies[f][i:i + rng.randint(0, 2)]
            added = [self.writer.statement(mod.lang, new_callees)
                     for _ in range(rng.randint(1, 3))]
            new_bodies[f][i:i + len(removed)] = added
            spent += sum(map(len, removed)) + sum(map(len, added)) + 7
        old = self._module_lines(mod, mod.deps, old_bodies)
        new = self._module_lines(mod, new_deps, new_bodies)
        if status == "renamed":
            old_path = mod.path
            mod.stem = self._stem()
            return _file_diff(mod.path, old, new, mod.lang, old_path=old_path)
        return _file_diff(mod.path, old, new, mod.lang)

    def _test(self, mod: _Module, budget: int) -> list[str]:
        count = max(1, budget // 6)
        if mod.lang == "py":
            lines = [f"from app.{mod.stem} import {', '.join(mod.funcs)}", "", ""]
            for i in range(count):
                func = mod.funcs[i % len(mod.funcs)]
                lines += [f"def test_{func}_case_{i}():", f"    assert {func}([{i}], {i}) == []",
                          "", ""]
        elif mod.lang == "js":
            lines = [f"import {{ {', '.join(mod.funcs)} }} from './{mod.stem}.js';", ""]
            for i in range(count):
                func = mod.funcs[i % len(mod.funcs)]
                lines += [f"test('{func} case {i}', () => {{",
                          f"  expect({func}([{i}], {i})).toEqual([]);", "});", ""]
        elif mod.lang == "go":
            lines = [f"package {mod.stem}", "", 'import "testing"', ""]
            for i in range(count):
                func = mod.funcs[i % len(mod.funcs)]
                lines += [f"func Test{func}Case{i}(t *testing.T) {{",
                          f"\tif got := {func}([]int{{{i}}}, {i}); got < 0 {{",
                          '\t\tt.Fatalf("got %d", got)', "\t}", "}", ""]
        else:
            lines = [f'#include "../{mod.stem}.h"', "#include <assert.h>", ""]
            for i in range(count):
                func = mod.funcs[i % len(mod.funcs)]
                lines += [f"static void test_{func}_{i}(void)", "{",
                          f"    int items[] = {{{i}}};", f"    assert({func}(items, 1, 0) >= 0);",
                          "}", ""]
        keep = len(lines) // 2
        # Half the tests existed before; the change adds the rest.
        return _file_diff(mod.test_path(), lines[:keep], lines)

    def _lockfile(self, budget: int) -> list[str]:
        count = max(2, budget // 3)
        packages = sorted({f"{self.rng.choice(NOUNS)}-{self.rng.choice(NOUNS)}"
                           for _ in range(count * 2)})
        def render(bumped: set[str]) -> list[str]:
            out = ["{", '  "name": "squiggle-web",', '  "lockfileVersion": 3,',
                   '  "packages": {']
            for name in packages:
                major = len(name) % 5
                minor = 3 + (name in bumped)
                digest = hashlib.sha256(f"{name}{minor}".encode()).hexdigest()[:40]
                out += [f'    "node_modules/{name}": {{',
                        f'      "version": "{major}.{minor}.0",',
                        f'      "resolved": "https://registry.npmjs.org/{name}/-/{name}-'
                        f'{major}.{minor}.0.tgz",',
                        f'      "integrity": "sha512-{digest}"', "    },"]
            return out + ["  }", "}"]
        bumped = set(self.rng.sample(packages, min(len(packages), max(1, budget // 16))))
        return _file_diff("web/package-lock.json", render(set()), render(bumped))

    def _doc(self, budget: int) -> list[str]:
        stem = self._stem()
        old = [f"# {stem.replace('_', ' ').title()}", ""]
        while len(old) < budget * 2:
            old += [" ".join(self.rng.sample(PROSE, 3)), ""]
        new = list(old)
        for i in range(2, len(new), 6):
            if len(new) - len(old) + i // 3 > budget // 2:
                break
            new[i] = " ".join(self.rng.sample(PROSE, 2))
        return _file_diff(f"docs/{stem}.md", old, new)

    def render(self) -> str:
        entries = self._plan()
        budgets = self._budgets(entries)
        out: list[str] = []
        for (kind, subject), budget in zip(entries, budgets, strict=True):
            if kind == "test":
                out += self._test(subject, budget)
            elif kind == "lockfile":
                out += self._lockfile(budget)
            elif kind == "doc":
                out += self._doc(budget)
            elif kind == "binary":
                blob_a, blob_b = _blob_id("png-a"), _blob_id("png-b")
                out += ["diff --git a/docs/img/architecture.png b/docs/img/architecture.png",
                        f"index {blob_a}..{blob_b} 100644",
                        "Binary files a/docs/img/architecture.png and "
                        "b/docs/img/architecture.png differ"]
            elif kind == "mode":
                out += ["diff --git a/scripts/run_review.sh b/scripts/run_review.sh",
                        "old mode 100644", "new mode 100755"]
            else:
                out += self._source(kind, subject, budget)
        return _join(out)


def generate_diff(files: int, lines: int, seed: int) -> str:
    """A realistic git diff touching `files` files in about `lines` lines; same args, same text."""
    if files < 1 or lines < 1:
        raise ValueError("files and lines must be positive")
    text = _Repo(files, lines, seed).render()
    actual = text.count("\n")
    if abs(actual - lines) > 0.02 * lines:
        # Per-file budgets are estimates; one rescaled pass lands within a few percent.
        text = _Repo(files, max(1, round(lines * lines / actual)), seed).render()
    return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=200)
    parser.add_argument("--lines", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    print(generate_diff(args.files, args.lines, args.seed), end="")


if __name__ == "__main__":
    main()
