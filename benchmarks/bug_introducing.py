"""The detector in a review of the real change that introduced a bug.

    python benchmarks/bug_introducing.py [--split test|dev] [--threads 1]

Cases come from `benchmarks/bug_introducing_data.py`: the file as the introducing commit left
it, the lines that commit changed, and the lines of the bug a later commit fixed. Each detector
runs the way the review runs it (`bugmodel.detect_files` with the changed lines: changed
units, the whole file as context, findings on changed lines only). With the threshold at 0 it
gives each changed unit's best finding; ranked by probability, the first one (top-1) and the
first three (top-3) are checked against the bug's lines. At the detector's default threshold
the findings are counted as right (on a bug's lines) or not.

Baselines in the same run, over the same changed lines: a changed code line picked at random
(its expected hit rate), and the changed line with the most operators (the trivial stand-in of
issue 14); the product's detector without its whole-file checks; and the product's detector
on a pasted diff, which carries only the hunks of a modified file: it reads the changed lines
and three lines around each (`bugmodel.partial_sources`, at its own threshold). With
`--mirrors` (the cases' repositories, fetched), the product's detector also as a review of a
registered checkout runs it: with the file before the commit and the unchanged files beside
it, so that names they read unbound are provided at run time; and that review's findings as
shown, at the default threshold, with the LM's choice of repair (`bugmodel.repair_choice`).
Results go to `benchmarks/results/bug_introducing_<split>.json`.
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import os
import subprocess
import sys
import time
import tokenize
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.review_history import (  # noqa: E402
    changed_lines,
    commit_changes,
    old_file_base,
)
from bugmodel.detection import detect_files  # noqa: E402
from bugmodel.detector import DETECTOR_ENV, DETECTORS, load_detector  # noqa: E402
from bugmodel.file_finding import PROBABILITY as FILE_CHECK_PROBABILITY  # noqa: E402
from bugmodel.file_finding import repairs_to  # noqa: E402
from bugmodel.partial_sources import DEDENTED_SCORE_THRESHOLD, detect_partial  # noqa: E402
from reviewapp.findings.checkout import LocalCheckout  # noqa: E402
from reviewapp.findings.repository_names import sibling_bases  # noqa: E402
from reviewapp.ingest.git_source import contents_from_objects  # noqa: E402
from reviewapp.ingest.parser import parse_diff  # noqa: E402

DATA = ROOT / "benchmarks" / "data" / "bug_introducing.jsonl.gz"
RESULTS = ROOT / "benchmarks" / "results"


def load_cases(split: str, path: Path = DATA) -> list[dict]:
    """The cases of one split of a JSONL.gz file in this benchmark's case format."""
    with gzip.open(path, "rt") as lines:
        return [case for case in map(json.loads, lines) if case["split"] == split]


def _on_bug(case: dict, first: int, last: int) -> dict | None:
    """The bug whose lines the span first..last touches, if any."""
    return next((bug for bug in case["bugs"]
                 if first <= bug["lines"][1] and bug["lines"][0] <= last), None)


def code_lines(case: dict) -> list[int]:
    """Changed lines that hold code (not blank, not only a comment)."""
    lines = case["text"].split("\n")
    return [n for n in case["changed"] if n <= len(lines)
            and lines[n - 1].strip() and not lines[n - 1].strip().startswith("#")]


def operator_counts(text: str) -> dict[int, int]:
    """Operator tokens per line (the "most operators" stand-in)."""
    counts: dict[int, int] = defaultdict(int)
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type == tokenize.OP and token.string not in "()[]{},:.;":
                counts[token.start[0]] += 1
    except (tokenize.TokenError, IndentationError, SyntaxError):
        pass
    return counts


def baselines(cases: list[dict]) -> dict[str, dict]:
    """Top-1 of a random changed code line (expected) and of the one with most operators."""
    random_hits, operator_hits = [], []
    for case in cases:
        lines = code_lines(case)
        if not lines:
            random_hits.append(0.0)
            operator_hits.append(0.0)
            continue
        random_hits.append(sum(_on_bug(case, n, n) is not None for n in lines) / len(lines))
        ops = operator_counts(case["text"])
        best = max(lines, key=lambda n: (ops.get(n, 0), -n))
        operator_hits.append(float(_on_bug(case, best, best) is not None))
    return {"random_changed_line": {"top1_localisation": _mean(random_hits)},
            "most_operators_changed_line": {"top1_localisation": _mean(operator_hits)}}


def repository_bases(mirrors: Path, case: dict) -> list[tuple[str, set[int]]]:
    """What a review of the introducing commit from a registered checkout knows beyond the
    file: the file before the commit, with the lines it removed, and the unchanged Python files
    beside it (`reviewapp.findings.repository_names`), read from the repository's mirror."""
    repo = mirrors / case["repo"].replace("/", "+") / "repo"
    commit, path = case["commit"], case["path"]
    status = commit_changes(repo, commit)
    bases = [old_file_base(repo, commit, old_path,
                           changed_lines(repo, commit, path, old_path)[0])
             for kind, changed_path, old_path in status if changed_path == path and kind != "A"]
    in_diff = {p for _, changed_path, old_path in status for p in (changed_path, old_path)}
    return bases + sibling_bases([path], in_diff, LocalCheckout(str(repo), commit))


def pasted_into_checkout(mirrors: Path, case: dict
                         ) -> tuple[str, set[int], list[tuple[str, set[int]]]]:
    """The case as a review of its commit's `git diff` pasted into a repository with a
    registered checkout reads it (`reviewapp.ingest.git_source.contents_from_objects`): the
    rebuilt new file, its changed lines, and the old file with the lines the diff removed
    (`detect`'s `base_files`; none when it could not be rebuilt)."""
    repo = mirrors / case["repo"].replace("/", "+") / "repo"
    diff = subprocess.run(["git", "-C", str(repo), "diff", f"{case['commit']}^", case["commit"],
                           "--", case["path"]], capture_output=True, check=True).stdout
    parsed = parse_diff(diff)
    contents_from_objects(str(repo), parsed)
    [file] = [f for f in parsed.files if f.path == case["path"]]
    changed = {line.new_lineno for hunk in file.hunks for line in hunk.added}
    removed = {line.old_lineno for hunk in file.hunks for line in hunk.removed}
    bases = [(file.old_content, removed)] if file.old_content is not None else []
    return file.new_content or "", changed, bases


def pasted_lines(case: dict, context: int = 3) -> dict[int, str]:
    """The file's lines that a unified diff of the change shows on its new side: the changed
    lines and `context` lines around each."""
    lines = case["text"].split("\n")
    return {n: lines[n - 1] for n in range(1, len(lines) + 1)
            if any(abs(n - c) <= context for c in case["changed"])}


def judge(system: str, cases: list[dict], file_checks: bool = True,
          mirrors: Path | None = None, pasted: bool = False,
          pasted_into: Path | None = None, lm_shown: bool = False) -> dict:
    """Top-1/top-3 over each case's ranked findings, and the default threshold's counts
    (`file_checks=False`: without the whole-file checks' findings; `mirrors`: with what the
    repository says, `repository_bases`; `pasted`: knowing only the lines a pasted diff shows,
    `pasted_lines`, as a review of a pasted diff reads a modified file; `pasted_into`: the
    mirrors, for the commit's diff pasted into a registered checkout, `pasted_into_checkout`;
    `lm_shown`: only the findings shown at the default threshold, with the LM's choice of
    repair, so top-1 and top-3 are over those). The rankings at threshold 0 are the
    detector's own: there the LM would read every unit of every case."""
    os.environ[DETECTOR_ENV] = system
    detector = load_detector()
    top1, top3, joint, per_kind = [], [], [], defaultdict(list)
    flagged = right = found = bugs = changed = rebuilt = 0
    started = time.monotonic()
    for case in cases:
        bases = repository_bases(mirrors, case) if mirrors else []
        changed_lines = {case["path"]: case["changed"]}
        if pasted:
            findings = detect_partial([(case["path"], pasted_lines(case))], changed_lines,
                                      threshold=0.0, detector=detector,
                                      lm_repairs=False).findings
            # Its default threshold depends on the line (`detect_partial`): ask it.
            shown = set(detect_partial([(case["path"], pasted_lines(case))], changed_lines,
                                       detector=detector, lm_repairs=False).findings)
        elif pasted_into:
            text, added, bases = pasted_into_checkout(pasted_into, case)
            rebuilt += text == case["text"]
            findings = detect_files([(case["path"], text)], {case["path"]: sorted(added)},
                                    threshold=0.0, detector=detector,
                                    base_files=bases, lm_repairs=False).findings
        else:
            findings = detect_files([(case["path"], case["text"])], changed_lines,
                                    threshold=None if lm_shown else 0.0, detector=detector,
                                    file_checks=file_checks, base_files=bases,
                                    lm_repairs=lm_shown).findings
        ranked = sorted(findings, key=lambda f: -f.probability)
        hits = [_on_bug(case, f.line, f.end_line) for f in ranked]
        top1.append(float(bool(hits[:1]) and hits[0] is not None))
        top3.append(float(any(h is not None for h in hits[:3])))
        if "fixed_text" in case:
            joint.append(float(bool(ranked)
                                and repairs_to(case["text"], ranked[0], case["fixed_text"])))
        for bug in case["bugs"]:
            per_kind[bug["kind"]].append(top1[-1])
        # What the review shows: the checks' findings whatever the threshold (as `detect`).
        above = [h for f, h in zip(ranked, hits, strict=True)
                 if (f in shown if pasted else f.kind in FILE_CHECK_PROBABILITY
                     or f.probability >= detector.threshold)]
        flagged += len(above)
        right += sum(h is not None for h in above)
        found += len({h["fix"] for h in above if h is not None})
        bugs += len(case["bugs"])
        changed += len(case["changed"])
    seconds = time.monotonic() - started
    return {"threshold": detector.threshold,
            **({"dedented_score_threshold": DEDENTED_SCORE_THRESHOLD} if pasted else {}),
            **({"files_rebuilt_as_committed": rebuilt} if pasted_into else {}),
            "top1_localisation": _mean(top1),
            "top3_localisation": _mean(top3), **({"joint": _mean(joint)} if joint else {}),
            "findings": flagged, "right_findings": right,
            "precision": round(right / flagged, 4) if flagged else None,
            "recall": round(found / bugs, 4) if bugs else None,
            "other_findings_per_1000_changed_lines": round(1000 * (flagged - right) / changed,
                                                           3),
            "top1_by_kind": {k: [len(v), _mean(v)] for k, v in sorted(per_kind.items())},
            "files_per_s": round(len(cases) / seconds, 2)}


def print_table(rows: dict[str, dict], baseline: str) -> None:
    """The systems' rows as a markdown table, top-1 also as a ratio to `baseline`'s."""
    base_top1 = rows[baseline]["top1_localisation"]
    print(f"| system | top-1 | × {baseline} | top-3 | joint | thr | findings | right "
          "| precision | recall | other findings / 1k changed lines |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for name, row in rows.items():
        ratio = row["top1_localisation"] / base_top1 if base_top1 else float("nan")
        print(f"| {name} | {row['top1_localisation']:.3f} | {ratio:.2f}× | "
              + " | ".join(str(row.get(key, "–")) for key in (
                  "top3_localisation", "joint", "threshold", "findings", "right_findings",
                  "precision", "recall", "other_findings_per_1000_changed_lines")) + " |")


def _mean(values: list[float]) -> float:
    return round(sum(values) / len(values), 4) if values else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--split", default="test", choices=("dev", "test"))
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--mirrors", type=Path, help="a folder of the cases' repositories as "
                        "the fetch tool lays them out (owner+name/repo): adds the row "
                        "'line_ranker with the repository'")
    args = parser.parse_args()
    import torch

    torch.set_num_threads(args.threads)
    cases = load_cases(args.split)
    rows = {**baselines(cases), **{system: judge(system, cases) for system in DETECTORS},
            "line_ranker without file checks": judge("line_ranker", cases, False),
            "line_ranker on a pasted diff's lines": judge("line_ranker", cases, pasted=True)}
    if args.mirrors:
        rows["line_ranker with the repository"] = judge("line_ranker", cases,
                                                        mirrors=args.mirrors)
        rows["line_ranker on a diff pasted into a registered checkout"] = judge(
            "line_ranker", cases, pasted_into=args.mirrors)
        rows["line_ranker with the repository, shown findings, the LM's choice of repair"] = (
            judge("line_ranker", cases, mirrors=args.mirrors, lm_shown=True))
    print(f"{args.split}: {len(cases)} introducing changes, "
          f"{sum(len(c['bugs']) for c in cases)} bugs, "
          f"{sum(len(c['changed']) for c in cases)} changed lines")
    print_table(rows, "random_changed_line")
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"bug_introducing_{args.split}.json"
    out.write_text(json.dumps({"split": args.split, "cases": len(cases), "systems": rows},
                              indent=1))
    print(f"wrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
