"""Ordering benchmark: `order_files` on synthetic changes of 10k and 100k diff lines.

    python benchmarks/ordering.py [--repeats 5]

Each case is a Python-heavy change to a generated repository whose true dependencies are known
(module i imports from earlier modules through `from x import f`, `import x as m` + `m.f()`,
relative imports), plus tests, docs, config and a lockfile. For each case it measures, with full
file texts (git range) and without them (pasted diff):
- seconds for `order_files` (median of repeats; cold = per-text parse cache cleared first) and
  diff lines/s;
- the ratio to a baseline measured in the same run: one pass over every hunk line finding its
  identifiers, the least work any ordering that reads the diff has to do;
- quality: dependency edges violated (a module shown before a module it imports), ours vs. the
  alphabetical order a plain diff viewer shows.
Writes benchmarks/results/ordering.json.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from reviewapp.ingest.parsed import ParsedFile, ParsedHunk, ParsedLine  # noqa: E402
from reviewapp.ordering import order_files  # noqa: E402
from reviewapp.ordering.python_symbols import outline, regex_outline  # noqa: E402

CASES = [  # (name, source modules, functions per module, changed functions per module)
    ("10k lines / 200 files", 160, 6, 4),
    ("100k lines / 1000 files", 800, 10, 7),
]
CONTEXT = 3


def module_path(i: int) -> str:
    return f"app/pkg{i % 7}/mod{i}.py"


def function_lines(name: str, calls: list[str], changed: bool) -> list[str]:
    """A function of 12 lines; the change adds a branch and edits a call in its middle."""
    body = [f"def {name}(value, limit=10):", f'    """Compute {name}."""', "    total = 0"]
    for call in calls:
        body.append(f"    total += {call}(value)")
    body += ["    for step in range(limit):", "        total += step * value"]
    if changed:
        body += ["    if total > limit:", "        total = limit", "    return total + 1"]
    else:
        body += ["    return total"]
    while len(body) < 14:
        body.insert(3, f"    # note {len(body)}")
    return body + ["", ""]


def synth_module(i: int, deps: list[int], functions: int, changed: int, rng: random.Random
                 ) -> tuple[list[str], list[str], set[int]]:
    """Old and new text of module i, and which dependencies the new text imports."""
    header: list[str] = []
    calls: list[str] = []
    for n, dep in enumerate(deps):
        func = f"f{dep}_{rng.randrange(functions)}"
        style = n % 3
        if style == 0:
            header.append(f"from app.pkg{dep % 7}.mod{dep} import {func}")
            calls.append(func)
        elif style == 1:
            header.append(f"import app.pkg{dep % 7}.mod{dep} as m{dep}")
            calls.append(f"m{dep}.{func}")
        elif dep % 7 == i % 7:
            header.append(f"from . import mod{dep}")
            calls.append(f"mod{dep}.{func}")
        else:
            header.append(f"from ..pkg{dep % 7}.mod{dep} import {func}")
            calls.append(func)
    old = ['"""Generated module."""', "", *header, "", ""]
    new = list(old)
    for f in range(functions):
        mine = [c for k, c in enumerate(calls) if k % functions == f]
        old += function_lines(f"f{i}_{f}", mine, changed=False)
        new += function_lines(f"f{i}_{f}", mine, changed=f < changed)
    return old, new, set(deps)


def hunks_for(old: list[str], new: list[str]) -> list[ParsedHunk]:
    """Hunks for two texts that differ only inside aligned function blocks (no difflib)."""
    hunks, i, j = [], 0, 0
    while i < len(old) and j < len(new):
        if old[i] == new[j]:
            i, j = i + 1, j + 1
            continue
        oi, nj = i, j  # a change starts here and ends at the next `return`
        while not old[i].startswith("    return"):
            i += 1
        while not new[j].startswith("    return"):
            j += 1
        i, j = i + 1, j + 1
        start_o, start_n = max(0, oi - CONTEXT), max(0, nj - CONTEXT)
        shift = start_n - start_o
        lines = [ParsedLine(" ", old[k], k + 1, k + shift + 1) for k in range(start_o, oi)]
        lines += [ParsedLine("-", old[k], k + 1, None) for k in range(oi, i)]
        lines += [ParsedLine("+", new[k], None, k + 1) for k in range(nj, j)]
        after = min(CONTEXT, len(old) - i)
        lines += [ParsedLine(" ", old[i + k], i + k + 1, j + k + 1) for k in range(after)]
        header = next((line for line in reversed(old[:start_o]) if line.startswith("def ")), "")
        hunks.append(ParsedHunk(start_o + 1, i - start_o + after, start_n + 1,
                                j - start_n + after, header, lines))
    return hunks


def build_case(modules: int, functions: int, changed: int, with_content: bool, seed: int = 0
               ) -> tuple[list[ParsedFile], dict[str, set[str]]]:
    """The change's files and the true dependencies (path → paths it imports)."""
    rng = random.Random(seed)
    files: list[ParsedFile] = []
    truth: dict[str, set[str]] = {}
    for i in range(modules):
        deps = sorted(rng.sample(range(i), k=min(i, rng.randint(0, 3))))
        old, new, used = synth_module(i, deps, functions, changed, rng)
        old_text, new_text = "\n".join(old) + "\n", "\n".join(new) + "\n"
        files.append(ParsedFile(
            path=module_path(i), old_path=module_path(i), status="modified",
            hunks=hunks_for(old, new), language="Python",
            old_content=old_text if with_content else None,
            new_content=new_text if with_content else None,
        ))
        truth[module_path(i)] = {module_path(d) for d in used}
    extras = modules // 4
    for i in range(extras):  # tests, docs, config, lockfile: new files, whole text in hunks
        target = rng.randrange(modules)
        kind = i % 4
        if kind == 0:
            path, text = f"tests/test_mod{target}.py", (
                f"from app.pkg{target % 7}.mod{target} import f{target}_0\n\n\n"
                f"def test_f():\n    assert f{target}_0(1) >= 0\n")
            truth[path] = {module_path(target)}
        elif kind == 1:
            path, text = f"docs/mod{target}_{i}.md", f"# mod{target}\n\nNotes {i}.\n"
        elif kind == 2:
            path, text = f"config/service{i}.yaml", f"name: service{i}\nreplicas: {i % 5}\n"
        else:
            path, text = f"locks/part{i}.lock", "".join(f"pkg{k}==1.{i}\n" for k in range(20))
        lines = [ParsedLine("+", line, None, n + 1) for n, line in enumerate(text.splitlines())]
        files.append(ParsedFile(
            path=path, old_path=path, status="added",
            hunks=[ParsedHunk(0, 0, 1, len(lines), "", lines)],
            new_content=text if with_content else None,
        ))
    return files, truth


def clear_caches() -> None:
    outline.cache_clear()
    regex_outline.cache_clear()


def baseline_pass(files: list[ParsedFile]) -> int:
    """Read every hunk line once and find its identifiers: the floor for any diff reader."""
    found = 0
    identifier = re.compile(r"[A-Za-z_]\w*")
    for file in files:
        for hunk in file.hunks:
            for line in hunk.lines:
                found += len(identifier.findall(line.text))
    return found


def violations(order: list[str], truth: dict[str, set[str]]) -> int:
    rank = {path: n for n, path in enumerate(order)}
    return sum(1 for user, deps in truth.items() for dep in deps if rank[dep] > rank[user])


def median_seconds(fn, repeats: int, before=None) -> tuple[float, float]:
    """Median wall and CPU seconds: on a shared machine CPU time shows the work itself."""
    walls, cpus = [], []
    for _ in range(repeats):
        if before:
            before()
        wall, cpu = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def run_case(name: str, modules: int, functions: int, changed: int, repeats: int) -> dict:
    result: dict = {"case": name}
    modes = (("git range (full texts)", True), ("pasted diff (hunks only)", False))
    for mode, with_content in modes:
        files, truth = build_case(modules, functions, changed, with_content)
        lines = sum(len(h.lines) for f in files for h in f.hunks)
        base, base_cpu = median_seconds(lambda f=files: baseline_pass(f), repeats)
        cold, cold_cpu = median_seconds(lambda f=files: order_files(f), repeats, clear_caches)
        warm, warm_cpu = median_seconds(lambda f=files: order_files(f), repeats)
        ordered = [item.path for item in order_files(files)]
        ours, alphabetical = violations(ordered, truth), violations(sorted(ordered), truth)
        edges = sum(len(deps) for deps in truth.values())
        result[mode] = {
            "files": len(files), "diff_lines": lines, "dependency_edges": edges,
            "baseline_s": round(base, 4), "cold_s": round(cold, 4), "warm_s": round(warm, 4),
            "baseline_cpu_s": round(base_cpu, 4), "cold_cpu_s": round(cold_cpu, 4),
            "warm_cpu_s": round(warm_cpu, 4),
            "lines_per_s": round(lines / cold), "ratio_to_baseline": round(cold / base, 1),
            "violations": ours, "violations_alphabetical": alphabetical,
        }
        print(f"{name:26} {mode:25} files={len(files):5} lines={lines:6} "
              f"cold={cold:.3f}s (cpu {cold_cpu:.3f}) warm={warm:.3f}s (cpu {warm_cpu:.3f}) "
              f"({lines / cold:,.0f} lines/s, "
              f"{cold / base:.1f}x the one-pass baseline {base:.3f}s) "
              f"violated edges: ours {ours}/{edges}, alphabetical {alphabetical}/{edges}")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    results = [run_case(*case, repeats=args.repeats) for case in CASES]
    out = ROOT / "benchmarks" / "results" / "ordering.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    report = {"repeats": args.repeats, "load_average_1m": round(os.getloadavg()[0], 2),
              "cpus": os.cpu_count(), "cases": results}
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
