"""Tab on real edit sequences: right next edit, right place, quiet where nothing should change.

    nice -n 10 python benchmarks/tab_real.py [--split test] [--model-cases 40]
        [--baseline-ref 3b3a077|none] [--tab-adapter DIR|none] [--out FILE]

Cases: ``benchmarks/data/tab_real.jsonl.gz`` (built by ``benchmarks/tab_real_data.py`` from
the git history of 15 public repositories, split by repository; ``test`` is held out). Every
case is (file, cursor line, recent edits) and the expected next edit, or none. Scores:

* ``exact`` — on edit cases, the predicted edit gives the file the expected edit gives;
* ``within_3`` — on edit cases, the prediction starts within 3 lines of the expected edit;
* ``false_edit`` — on the cases where nothing should change (``no_edit``: a line the commit left
  alone in a finished file; ``reversal_trap``: the cursor on the file's last edit;
  ``untouched_file``: a file the commit did not change), any predicted edit;
* ``reversal`` — of all cases, predictions that undo one of the recent edits at its place
  (the lines it wrote in this file, followed through the later edits, deleted or written
  back; not a line elsewhere that reads the same);
* ``precision`` — of all predicted edits, the exact ones (a wrong suggestion costs the user).

Rows, each over the same cases in the same run:

* ``repeat_last`` — the baseline "repeat the last edit": the last edit's removed lines, found
  again at or below the cursor (then from the top), get its added lines; an insertion is made
  again after the next line equal to the line above it;
* ``patterns`` — `TabPredictor` without a model (the edit patterns and when to abstain);
* ``model`` (base model alone, no patterns) and ``combined`` (patterns first, then the model) on
  ``--model-cases`` cases, half of them edit cases, chosen by a fixed shuffle (each costs
  seconds on a shared CPU); the pattern rows are reported on that subset too;
* ``model_tab`` and ``combined_tab``: the same with Tab's LoRA adapter (``--tab-adapter``,
  default ``inference/adapters/tab`` when it is there) loaded into the same engine; ``model``
  and ``combined`` then name the base model explicitly;
* each ``patterns``/``combined`` row also for the *baseline*: the ``inference`` package as of
  ``--baseline-ref`` (main before this work; ``none`` skips it), run from a copy in a
  temporary directory.

Writes ``benchmarks/results/tab_real_<split>.json`` (or ``--out``).
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from apply_real import baseline_tree  # the same copy of `inference` as Apply's baseline

if TYPE_CHECKING:
    from inference.edit_history import HunkEdit

ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = ROOT / "benchmarks" / "results"
DEFAULT_BASELINE = "3b3a077"  # main before the Tab half of issue 18
NULL_KINDS = ("no_edit", "reversal_trap", "untouched_file")
# one edit of a case's history: its file and its hunks (up to the next file header)
_HISTORY_FILE = re.compile(r"^--- a/.*\n\+\+\+ b/(.*)\n((?:(?!--- a/).*\n?)*)", re.MULTILINE)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def load_cases(split: str) -> list[dict]:
    """The Tab cases of one split, in a fixed order."""
    from tab_real_data import load_sequences, steps

    return [case for sequence in load_sequences(split=split) for case in steps(sequence)]


def model_subset(cases: list[dict], count: int) -> set[str]:
    """Ids of the cases the model is asked: half edit cases, half cases where nothing should
    change, each the first of a fixed shuffle."""
    edits = [c["id"] for c in cases if c["kind"] == "edit"]
    nulls = [c["id"] for c in cases if c["kind"] != "edit"]
    random.Random(0).shuffle(edits)
    random.Random(1).shuffle(nulls)
    return set(edits[:(count + 1) // 2] + nulls[:count // 2])


def repeat_last_edit(text: str, cursor_line: int, history: str) -> dict | None:
    """The "repeat the last edit" baseline (see the module docstring)."""
    from inference.edit_history import parse_history

    edits = parse_history(history)
    if not edits:
        return None
    last = edits[-1]
    lines = [line.rstrip() for line in text.splitlines()]
    removed = [line.rstrip() for line in last.removed]
    pattern = removed or ([last.before[-1].rstrip()] if last.before else [])
    if not pattern or not any(p.strip() for p in pattern):
        return None
    new_text = "".join(line + "\n" for line in last.added)
    start = min(max(cursor_line - 1, 0), len(lines))
    for number in [*range(start, len(lines)), *range(0, start)]:
        if lines[number:number + len(pattern)] != pattern:
            continue
        if removed:
            return {"start_line": number + 1, "end_line": number + len(pattern),
                    "new_text": new_text}
        after = lines[number + 1:number + 1 + len(last.added)]
        if after != [line.rstrip() for line in last.added]:
            return {"start_line": number + 2, "end_line": number + 1, "new_text": new_text}
    return None


def _applied(text: str, edit: dict) -> str | None:
    from inference.edit_history import LineEdit, apply_edit

    try:
        return apply_edit(text, LineEdit(edit["start_line"], edit["end_line"], edit["new_text"]))
    except ValueError:
        return None


@dataclass
class _Written:
    """What one change of a recent edit wrote, tracked to where it stands in the file now."""

    lines: set[int]  # current line numbers of the lines it added that no later edit replaced
    top: int  # its place now: a line inserted before ``top``..``bottom`` is inserted there
    # (both 0 once a later edit replaced the place)
    bottom: int
    added: set[str]
    removed: set[str]


def _written(case: dict) -> list[_Written]:
    """The changes the case's recent edits made to its file, oldest first, with their lines
    followed through the later edits (a later edit that rewrites a line takes it over)."""
    from inference.edit_history import parse_history

    changes: list[_Written] = []
    for path, diff in _HISTORY_FILE.findall(case["history"]):
        if path != case["path"]:
            continue
        runs = parse_history(diff)
        for past in changes:
            past.lines = {m for n in past.lines if (m := _moved(n, runs))}
            past.top = _moved_gap(past.top, runs) or 0
            past.bottom = _moved_gap(past.bottom, runs) or 0
        changes.extend(_Written(
            set(range(run.new_start, run.new_start + len(run.added))), run.new_start,
            run.new_start + len(run.added), {line.strip() for line in run.added} - {""},
            {line.strip() for line in run.removed} - {""}) for run in runs)
    return changes


def _moved(line: int, runs: list[HunkEdit]) -> int | None:
    """Where ``line`` stands after the changes ``runs`` of one edit; None once replaced."""
    shift = 0
    for run in runs:
        if run.old_start <= line < run.old_start + len(run.removed):
            return None
        if run.old_start <= line:
            shift += len(run.added) - len(run.removed)
    return line + shift


def _moved_gap(gap: int, runs: list[HunkEdit]) -> int | None:
    """Where the place just above line ``gap`` stands after ``runs``; None once replaced."""
    shift = 0
    for run in runs:
        if run.old_start < gap < run.old_start + len(run.removed):
            return None
        if run.old_start + len(run.removed) <= gap and run.old_start < gap:
            shift += len(run.added) - len(run.removed)
    return gap + shift


def reverses(case: dict, edit: dict) -> bool:
    """Whether ``edit`` undoes one of the case's recent edits at its place: it replaces only
    lines that edit wrote (or inserts where it removed lines) and writes back lines it removed.
    A line equal to one the edit wrote but standing elsewhere (the old copy of a moved line)
    is not the edit's."""
    lines = case["file"].splitlines()
    span = range(edit["start_line"], edit["end_line"] + 1)
    replaced = {n for n in span if n <= len(lines) and lines[n - 1].strip()}
    replaced_text = {lines[n - 1].strip() for n in replaced}
    written = {line.strip() for line in edit["new_text"].splitlines()} - {""}
    unchanged = lines[edit["start_line"] - 1:edit["end_line"]] == edit["new_text"].splitlines()
    if unchanged or not replaced and not written:
        return False  # the lines written as they stand, or only blank lines: nothing undone
    for past in _written(case):
        if not (replaced_text <= past.added and written <= past.removed):
            continue
        at_place = (replaced <= past.lines if replaced
                    else past.top <= edit["start_line"] <= past.bottom)
        if at_place:
            return True
    return False


def score(case: dict, edit: dict | None) -> dict:
    """The row of one prediction."""
    row = {"predicted": edit is not None, "reversal": edit is not None and reverses(case, edit)}
    if case["expected"] is None:
        return row
    exact = edit is not None and _applied(case["file"], edit) == _applied(
        case["file"], case["expected"])
    near = edit is not None and abs(edit["start_line"] - case["expected"]["start_line"]) <= 3
    return {**row, "exact": exact, "within_3": near}


def evaluate(split: str, model_cases: int, with_repeat: bool,
             tab_adapter: str | None = None) -> list[dict]:
    """Rows per case: ``repeat_last`` (if asked), ``patterns`` and, on the model subset,
    ``model`` and ``combined`` (and ``model_tab``/``combined_tab`` with ``tab_adapter``); run
    with whichever ``inference`` package is first on the path."""
    from inference.tab import TabPredictor

    cases = load_cases(split)
    subset = model_subset(cases, model_cases)
    patterns = TabPredictor()
    rows = []
    for case in cases:
        row = {"id": case["id"], "kind": case["kind"], "repo": case["repo"],
               "cross_file": case["cross_file"], "model_subset": case["id"] in subset}
        if with_repeat:
            row["repeat_last"] = score(case, repeat_last_edit(
                case["file"], case["cursor_line"], case["history"]))
        found = patterns.predict(case["file"], case["cursor_line"], case["history"])
        row["patterns"] = score(case, found.edit.to_json() if found.edit else None)
        row["rule"] = found.rule
        rows.append(row)
    if subset:
        _model_rows(cases, rows, subset, tab_adapter)
    return rows


def _model_rows(cases: list[dict], rows: list[dict], subset: set[str],
                tab_adapter: str | None = None) -> None:
    import inspect

    import torch

    from inference.engine import Engine
    from inference.tab import TabPredictor

    torch.set_num_threads(1)  # a shared CPU
    engine = Engine()
    predictors = {"combined": TabPredictor(engine)}
    if "use_patterns" in inspect.signature(TabPredictor).parameters:  # absent in the baseline
        predictors["model"] = TabPredictor(engine, use_patterns=False)
    if tab_adapter:
        from inference.engine import TAB_ADAPTER

        engine.load_adapter(TAB_ADAPTER, Path(tab_adapter))
        predictors = {
            "combined": TabPredictor(engine, adapter=None),
            "model": TabPredictor(engine, use_patterns=False, adapter=None),
            "combined_tab": TabPredictor(engine, adapter=TAB_ADAPTER),
            "model_tab": TabPredictor(engine, use_patterns=False, adapter=TAB_ADAPTER),
        }
    for case, row in zip(cases, rows, strict=True):
        if case["id"] not in subset:
            continue
        for name, predictor in predictors.items():
            started = time.perf_counter()
            found = predictor.predict(case["file"], case["cursor_line"], case["history"])
            row[name] = score(case, found.edit.to_json() if found.edit else None)
            row[name]["seconds"] = round(time.perf_counter() - started, 2)
        log(f"{case['id']} ({case['kind']}): " + ", ".join(
            f"{name} {row[name]}" for name in predictors))


def run_worker(code_root: Path, split: str, model_cases: int, with_repeat: bool,
               tab_adapter: str | None = None) -> list[dict]:
    """`evaluate` in a subprocess whose ``inference`` package is the one under ``code_root``
    (its arguments go in on stdin, its rows come back as the last line of stdout)."""
    program = ("import json, sys; job = json.load(sys.stdin); sys.path[:0] = job['path']; "
               "import inference, tab_real; "
               "print(json.dumps({'package': inference.__file__, "
               "'rows': tab_real.evaluate(*job['arguments'])}))")
    arguments = [split, model_cases, with_repeat] + ([tab_adapter] if tab_adapter else [])
    job = {"path": [str(code_root), str(ROOT)], "arguments": arguments}
    done = subprocess.run([sys.executable, "-c", program], cwd=ROOT / "benchmarks",
                          input=json.dumps(job), stdout=subprocess.PIPE, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"the Tab worker on {code_root} exited with {done.returncode}")
    answer = json.loads(done.stdout.strip().splitlines()[-1])
    log(f"evaluated {answer['package']}")
    return answer["rows"]


def summarise(rows: list[dict], column: str) -> dict:
    """The scores of one row (column) over ``rows``."""
    scored = [r for r in rows if column in r]
    edits = [r[column] for r in scored if r["kind"] == "edit"]
    nulls = [r[column] for r in scored if r["kind"] in NULL_KINDS]
    every = [r[column] for r in scored]
    if not every:
        return {}

    def rate(values: list[bool]) -> float | None:
        return round(sum(values) / len(values), 4) if values else None

    predicted = [r for r in every if r["predicted"]]
    return {
        "cases": len(every), "edit_cases": len(edits), "no_edit_cases": len(nulls),
        "exact": rate([r["exact"] for r in edits]),
        "within_3": rate([r["within_3"] for r in edits]),
        "edit_rate_on_edit_cases": rate([r["predicted"] for r in edits]),
        "false_edit": rate([r["predicted"] for r in nulls]),
        "false_edit_by_kind": {kind: rate([r[column]["predicted"] for r in scored
                                           if r["kind"] == kind]) for kind in NULL_KINDS},
        "reversal": rate([r["reversal"] for r in every]),
        "reversals": sum(r["reversal"] for r in every),
        "precision": rate([r.get("exact", False) for r in predicted]),
        "predictions": len(predicted),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--split", default="test", choices=("train", "dev", "test"))
    parser.add_argument("--baseline-ref", default=DEFAULT_BASELINE)
    parser.add_argument("--model-cases", type=int, default=0)
    default_adapter = ROOT / "inference" / "adapters" / "tab"
    parser.add_argument("--tab-adapter", default=str(default_adapter)
                        if (default_adapter / "adapter.json").is_file() else "none",
                        help="Tab's LoRA adapter for the *_tab rows (none: no such rows)")
    parser.add_argument("--out", type=Path, help="results file (default: results/tab_real_"
                        "<split>.json)")
    args = parser.parse_args()

    started = time.perf_counter()
    adapter = None if args.tab_adapter == "none" else str(Path(args.tab_adapter).resolve())
    current = run_worker(ROOT, args.split, args.model_cases, with_repeat=True,
                         tab_adapter=adapter)
    commit = "none"
    if args.baseline_ref != "none":
        with tempfile.TemporaryDirectory() as tmp:
            commit = baseline_tree(args.baseline_ref, Path(tmp))
            baseline = run_worker(Path(tmp), args.split, args.model_cases, with_repeat=False)
        for row, before in zip(current, baseline, strict=True):
            for column in ("patterns", "combined"):
                if column in before:
                    row[f"baseline_{column}"] = before[column]
    columns = ("repeat_last", "baseline_patterns", "patterns", "model", "baseline_combined",
               "combined", "model_tab", "combined_tab")
    subset = [r for r in current if r["model_subset"]]
    pattern_columns = ("repeat_last", "baseline_patterns", "patterns")
    summary = {"all": {c: summarise(current, c) for c in pattern_columns},
               "model_subset": {c: summarise(subset, c) for c in columns},
               "by_kind_of_step": {
                   name: {c: summarise([r for r in current if r["cross_file"] == cross], c)
                          for c in pattern_columns}
                   for name, cross in (("same_file", False), ("cross_file", True))}}
    report = {
        "benchmark": "tab_real", "split": args.split, "baseline_commit": commit,
        "tab_adapter": adapter and str(Path(adapter).relative_to(ROOT)
                                       if Path(adapter).is_relative_to(ROOT) else adapter),
        "repos": sorted({r["repo"] for r in current}), "summary": summary,
        "seconds": round(time.perf_counter() - started, 1),
        "machine": platform.platform(), "python": platform.python_version(), "rows": current,
    }
    results = (args.out or RESULTS_DIR / f"tab_real_{args.split}.json").resolve()
    results.parent.mkdir(parents=True, exist_ok=True)
    results.write_text(json.dumps(report, indent=1) + "\n")
    print(f"Tab on real edit sequences ({args.split}: {len(current)} cases from "
          f"{len(report['repos'])} repositories); baseline = {commit[:10]}")
    header = (f"{'row':<28}{'exact':>8}{'within 3':>10}{'false edit':>12}{'reversal':>10}"
              f"{'precision':>11}   exact vs repeat-last")
    for scope in ("all", "model_subset"):
        table = summary[scope]
        if not table["repeat_last"]:
            continue  # no model subset was asked for
        reference = table["repeat_last"].get("exact")
        print(f"\n{scope} ({table['repeat_last']['edit_cases']} edit cases, "
              f"{table['repeat_last']['no_edit_cases']} where nothing should change)")
        print(header)
        for column in table:
            data = table[column]
            if not data:
                continue
            versus = (f"{data['exact'] / reference:.2f}x"
                      if reference and data["exact"] is not None else "n/a")
            print(f"{column:<28}{_pct(data['exact']):>8}{_pct(data['within_3']):>10}"
                  f"{_pct(data['false_edit']):>12}{_pct(data['reversal']):>10}"
                  f"{_pct(data['precision']):>11}   {versus}")
    print(f"\nwrote {results.relative_to(ROOT) if results.is_relative_to(ROOT) else results}")


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


if __name__ == "__main__":
    main()
