"""Share of real bug fixes whose exact repair the rewrite enumeration can express.

    python -m benchmarks.real_fix_coverage [--fixes synthdata/real/fixes.jsonl.gz] [--base a03b2d5]

For each mined fix (synthdata/real), the candidates of its buggy function are enumerated the
way the detector does at inference (`bugmodel.detection`: the whole file parsed, the
function as scope, `MAX_MISUSE_NAMES` nearest variables per site). A fix is covered when one
candidate turns the buggy function into the fixed one (text equal up to whitespace). The
baseline is the enumeration as it was at commit `--base` (loaded from git), measured in the
same run; the report gives both per split and per fix kind, and the mean number of candidates
per function (what a larger enumeration costs the model). Writes
benchmarks/results/real_fix_coverage.json.
"""

from __future__ import annotations

import argparse
import ast
import gzip
import importlib.util
import json
import re
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

from bugmodel.detection import MAX_MISUSE_NAMES
from synthdata import rewrites
from synthdata.source import SourceText

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "real_fix_coverage.json"
_WS = re.compile(r"\s+")


def base_rewrites(commit: str) -> ModuleType:
    """synthdata/rewrites.py as of `commit`, imported as its own module."""
    text = subprocess.run(["git", "-C", str(ROOT), "show", f"{commit}:synthdata/rewrites.py"],
                          check=True, capture_output=True, text=True).stdout
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as handle:
        handle.write(text)
    spec = importlib.util.spec_from_file_location(f"rewrites_{commit}", handle.name)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while building
    spec.loader.exec_module(module)
    Path(handle.name).unlink()
    return module


def _function_node(tree: ast.Module, line: int) -> ast.AST | None:
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.lineno == line:
            return node
    return None


def covered(fix: dict, enumerate_candidates: Callable) -> tuple[bool, int]:
    """Whether a candidate of the buggy function reproduces the fix, and how many there are."""
    text = fix["file_before"]
    tree = ast.parse(text)
    func = _function_node(tree, fix["func_start"])
    src = SourceText(text)
    candidates = enumerate_candidates(text, tree, [func], MAX_MISUSE_NAMES, src)
    start = src.line_start(fix["bug_line"]) + fix["bug_col"]
    end = src.line_start(fix["bug_end_line"]) + fix["bug_end_col"]
    lo, hi = src.line_start(fix["func_start"]), src.line_end(fix["func_end"])
    target = _WS.sub("", text[lo:start] + fix["fixed_code"] + text[end:hi])
    for cand in candidates:
        if cand.end < start - 200 or cand.start > end + 200 or not lo <= cand.start <= hi:
            continue  # too far from the fix to reproduce it
        repaired = text[lo:cand.start] + cand.replacement + text[cand.end:hi]
        if _WS.sub("", repaired) == target:
            return True, len(candidates)
    return False, len(candidates)


def _shares(rows: list[tuple[str, str, bool, bool, int, int]]) -> dict:
    table: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for split, kind, old, new, n_old, n_new in rows:
        for key in (kind, "all"):
            table[split][key].append((old, new, n_old, n_new))
            table["all"][key].append((old, new, n_old, n_new))
    out: dict = {}
    for split, kinds in table.items():
        out[split] = {}
        for kind, values in sorted(kinds.items(), key=lambda kv: (-len(kv[1]), kv[0])):
            n = len(values)
            out[split][kind] = {
                "fixes": n,
                "base": round(sum(v[0] for v in values) / n, 4),
                "new": round(sum(v[1] for v in values) / n, 4),
                "candidates_base": round(sum(v[2] for v in values) / n, 1),
                "candidates_new": round(sum(v[3] for v in values) / n, 1),
            }
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.real_fix_coverage")
    parser.add_argument("--fixes", type=Path, default=ROOT / "synthdata/real/fixes.jsonl.gz")
    parser.add_argument("--base", default="a03b2d5",
                        help="commit whose synthdata/rewrites.py is the baseline")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    old = base_rewrites(args.base)
    with gzip.open(args.fixes, "rt", encoding="utf-8") as handle:
        fixes = [json.loads(line) for line in handle]
    rows, seconds = [], {"base": 0.0, "new": 0.0}
    for fix in fixes:
        started = time.perf_counter()
        old_hit, n_old = covered(fix, old.enumerate_candidates)
        middle = time.perf_counter()
        new_hit, n_new = covered(fix, rewrites.enumerate_candidates)
        seconds["base"] += middle - started
        seconds["new"] += time.perf_counter() - middle
        rows.append((fix["split"], fix["kind"], old_hit, new_hit, n_old, n_new))
    result = {
        "fixes": len(fixes), "base_commit": args.base, "max_misuse_names": MAX_MISUSE_NAMES,
        "seconds_enumerating": {k: round(v, 2) for k, v in seconds.items()},
        "coverage": _shares(rows),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1) + "\n")
    total = result["coverage"]["all"]["all"]
    print(f"{len(fixes)} real fixes: repair among candidates {total['base']:.1%} (base "
          f"{args.base}) -> {total['new']:.1%} (new); candidates per function "
          f"{total['candidates_base']} -> {total['candidates_new']}")
    for split in ("train", "dev", "test"):
        if split in result["coverage"]:
            row = result["coverage"][split]["all"]
            print(f"  {split:5s} {row['fixes']:5d} fixes: {row['base']:.1%} -> {row['new']:.1%}")
    print(f"  {'kind':18s} {'fixes':>5s} {'base':>7s} {'new':>7s}")
    for kind, row in result["coverage"]["all"].items():
        print(f"  {kind:18s} {row['fixes']:5d} {row['base']:7.1%} {row['new']:7.1%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
