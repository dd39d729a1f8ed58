"""Names a commit removes from a module while other files still import them, in real histories.

    python -m benchmarks.stale_imports REPO_GIT_DIR [...] [--commits 2000]

Every first-parent, non-merge commit among the newest `--commits` that modifies, moves or
deletes a Python module whose old version bound a name the new one does not is reviewed as the
findings stage does it with a registered checkout: the commit's diff from git
(`diff_from_git`), the head read through `LocalCheckout`, and
`reviewapp.findings.stale_imports.stale_import_findings` (findings, and notes for deleted or
moved modules). Each stale import is then followed through the later history (at most
`--follow` first-parent commits): fixed (the importer no longer imports the name from that
module, or the module binds it again), importer deleted, or still there. Most commits remove
nothing that is imported elsewhere, so the counts say how often a reviewer is told and how
often the developers acted on it. Writes benchmarks/results/stale_imports.json.
"""

from __future__ import annotations

import argparse
import json
import subprocess
from collections import Counter
from pathlib import Path

from benchmarks.review_history import _git, commit_changes
from reviewapp.findings.checkout import LocalCheckout
from reviewapp.findings.stale_imports import imported_from, module_names, reported, stale_imports
from reviewapp.ingest.git_source import diff_from_git

RESULTS = Path(__file__).resolve().parent / "results" / "stale_imports.json"


def removes_names(repo: Path, commit: str) -> bool:
    """Whether the commit changes a Python module so that it binds fewer names (a cheap
    filter before the review's own reading)."""
    for status, path, old_path in commit_changes(repo, commit):
        if not old_path.endswith(".py") or status not in ("M", "D", "R"):
            continue  # a moved module ("R") leaves its old name binding nothing
        old = module_names(_show(repo, f"{commit}^", old_path) or "")
        new = module_names(_show(repo, commit, path) or "") if status == "M" else set()
        if old and new is not None and old - new:
            return True
    return False


def _show(repo: Path, commit: str, path: str) -> str | None:
    try:
        return _git(repo, "show", f"{commit}:{path}")
    except subprocess.CalledProcessError:
        return None


def fate(repo: Path, later: list[str], importer: str, module: str, definer: str,
         name: str) -> str:
    """What the `later` commits did about `importer` importing `name` from `module`."""
    for steps, version in enumerate(later, start=1):
        text = _show(repo, version, importer)
        if text is None:
            return "importer deleted"
        if name not in imported_from(text, importer, module):
            return f"fixed in {steps}"
        bound = module_names(_show(repo, version, definer) or "")
        if bound is None or name in bound:
            return f"fixed in {steps}"
    return "still there"


def measure(repo: Path, commits: int, follow: int) -> dict:
    """Reviews with stale imports, their findings and notes, and what became of each."""
    history = _git(repo, "rev-list", "--first-parent", "--no-merges", "--min-parents=1",
                   "HEAD").split()[:commits]
    reviews, findings, notes, fates = 0, 0, 0, Counter()
    listed = []
    for commit in history:
        if not removes_names(repo, commit):
            continue
        diff = diff_from_git(str(repo), f"{commit}^..{commit}")
        checkout = LocalCheckout(str(repo), commit)
        stale_found = stale_imports(diff, checkout)
        said: list[str] = []
        found = reported(stale_found, diff, said)
        if not stale_found:
            continue
        reviews += 1
        findings += len(found)
        notes += len(said)
        later = _git(repo, "rev-list", "--first-parent", "--reverse",
                     f"{commit}..HEAD").split()[:follow]
        for stale in stale_found:
            for importer, line, _, _ in stale.importers:
                what = fate(repo, later, importer, stale.module, stale.definer.old_path,
                            stale.name)
                fates["fixed" if what.startswith("fixed") else what] += 1
                listed.append({"commit": commit[:10], "module": stale.module,
                               "name": stale.name, "importer": importer, "line": line,
                               "fate": what})
    return {"commits": len(history), "reviews_with_stale_imports": reviews,
            "findings": findings, "notes": notes, "stale_imports": len(listed),
            "fates": dict(fates), "listed": listed}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("repos", nargs="+", type=Path, help="git directories (bare is fine)")
    parser.add_argument("--commits", type=int, default=2000)
    parser.add_argument("--follow", type=int, default=40,
                        help="later first-parent commits read to see what became of each")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    results = {}
    for repo in args.repos:
        name = repo.resolve().parent.name if repo.name == "repo" else repo.resolve().name
        results[name] = row = measure(repo, args.commits, args.follow)
        print(f"{name}: {row['commits']} commits, {row['reviews_with_stale_imports']} reviews "
              f"told of stale imports ({row['findings']} findings, {row['notes']} notes; "
              f"{row['stale_imports']} importing lines: {row['fates']})", flush=True)
    total = Counter()
    for row in results.values():
        total.update(row["fates"])
    acted = total["fixed"] + total["importer deleted"]
    print(f"all: {sum(total.values())} stale importing lines, {acted} fixed or deleted later "
          f"({acted / max(1, sum(total.values())):.0%}), {total['still there']} still there")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=1) + "\n")


if __name__ == "__main__":
    main()
