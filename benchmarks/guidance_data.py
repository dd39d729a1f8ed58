"""The real-change guidance set: commits and ~30-commit ranges of public Python repositories.

    python benchmarks/guidance_data.py [--mirrors /work/.mirror] [--show 20]

Rebuilds benchmarks/data/guidance.jsonl.gz from local bare clones (`OWNER+NAME/repo`, fetched
beforehand; see benchmarks/README.md for the list and licenses). Per repository it samples
multi-file commits (half at random, half whose message says they are mechanical: formatting,
version bumps, renames, moves) and first-parent ranges of 30 commits, diffs each as
`manage.py review --git` would (full contents), and labels it with guidance_labels.py.
`--show N` prints N labelled hunks at random for reading.

    cases = load_cases()   # each with .git (contents known) and .pasted (no contents) diffs
    split_of(case.repo)    # "dev" (tune on it) or "test" (held out), by repository
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import random
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from guidance_labels import heart_labels, hunk_labels, read_before  # noqa: E402

from reviewapp.ingest.errors import IngestError  # noqa: E402
from reviewapp.ingest.git_source import diff_from_git  # noqa: E402
from reviewapp.ingest.limits import IngestLimits  # noqa: E402
from reviewapp.ingest.parsed import ParsedDiff  # noqa: E402
from reviewapp.ingest.parser import parse_diff  # noqa: E402

DATA = Path(__file__).resolve().parent / "data" / "guidance.jsonl.gz"
REPOS = [  # (mirror name, SPDX license as read from the repository's LICENSE file)
    ("psf/requests", "Apache-2.0"), ("pallets/flask", "BSD-3-Clause"),
    ("pallets/click", "BSD-3-Clause"), ("pallets/jinja", "BSD-3-Clause"),
    ("pallets/werkzeug", "BSD-3-Clause"), ("encode/starlette", "BSD-3-Clause"),
    ("tiangolo/fastapi", "MIT"), ("marshmallow-code/marshmallow", "MIT"),
    ("python-attrs/attrs", "MIT"), ("arrow-py/arrow", "Apache-2.0"),
    ("dateutil/dateutil", "Apache-2.0 OR BSD-3-Clause"),
    ("more-itertools/more-itertools", "MIT"), ("PyCQA/pyflakes", "MIT"),
    ("PyCQA/flake8", "MIT"), ("benoitc/gunicorn", "MIT"), ("httpie/cli", "BSD-3-Clause"),
    ("jazzband/pip-tools", "BSD-3-Clause"), ("tqdm/tqdm", "MPL-2.0 AND MIT"),
    ("celery/kombu", "BSD-3-Clause"), ("sqlalchemy/alembic", "MIT"),
]
# Held-out split by repository: tune on "dev", report "test" (never read while tuning). A
# repository's side is fixed by its name's SHA-1 (odd: test), so adding one moves no other.
SPLITS = ("dev", "test")


def split_of(repo: str) -> str:
    """"dev" or "test": which side of the held-out split a repository's cases are on."""
    return "test" if int(hashlib.sha1(repo.encode()).hexdigest(), 16) % 2 else "dev"


MECHANICAL_MESSAGE = re.compile(
    r"\b(black|reformat|format(ting)?|isort|pyupgrade|ruff|bump|release|version|rename|"
    r"move|moved|typo|lint|flake8|whitespace|sort imports)\b", re.I)
COMMITS_PER_REPO = 10
RANGES_PER_REPO = 2
RANGE_LENGTH = 30
MAX_FILE_CHARS = 120_000  # contents of larger files are not stored (the product caps too)


@dataclass
class Case:
    repo: str
    kind: str  # "commit" or "range"
    base: str
    head: str
    message: str
    git: ParsedDiff  # contents attached, as from `manage.py review --git`
    pasted: ParsedDiff  # the same diff text, no contents (a pasted patch)
    constraints: list[tuple[str, str, list[str]]]
    labels: list[list[str]]  # per file, per hunk (git diff order)
    heart: list[list[list[str]]] | None  # commits only

    @property
    def changed_lines(self) -> int:
        return sum(f.added_count + f.removed_count for f in self.git.files)


def git(repo_dir: Path, *args: str) -> str:
    return subprocess.run(["git", f"--git-dir={repo_dir}", *args], capture_output=True,
                          text=True, errors="replace", check=True).stdout


def candidate_commits(repo_dir: Path) -> list[tuple[str, str, int, int]]:
    """(sha, subject, changed files, changed lines) of non-merge first-parent commits."""
    log = git(repo_dir, "log", "--first-parent", "--no-merges", "-n", "4000", "--numstat",
              "--format=@@%H\t%s", "HEAD")
    out = []
    for block in log.split("@@")[1:]:
        head, *stats = block.strip("\n").split("\n")
        sha, _, subject = head.partition("\t")
        rows = [s.split("\t") for s in stats if s.count("\t") == 2]
        py = sum(1 for r in rows if r[2].endswith(".py"))
        lines = sum(int(r[0]) + int(r[1]) for r in rows if r[0].isdigit() and r[1].isdigit())
        if 2 <= len(rows) <= 25 and py >= 2 and 4 <= lines <= 1500:
            out.append((sha, subject, len(rows), lines))
    return out


def record(repo: str, repo_dir: Path, kind: str, base: str, head: str, message: str) -> dict:
    """One case as stored: the diff text, the texts of its files, its labels."""
    diff = diff_from_git(str(repo_dir), f"{base}..{head}", limits=IngestLimits())
    contents = {}
    for f in diff.files:
        old, new = f.old_content, f.new_content
        if max(len(old or ""), len(new or "")) > MAX_FILE_CHARS:
            f.old_content = f.new_content = None
            continue
        contents[f.path] = [old, new]
    row = {"repo": repo, "kind": kind, "base": base, "head": head, "message": message,
           "diff": diff.raw_text, "contents": contents}
    return labelled(row, diff)


def build(mirrors: Path, repos: list[str], seed: int = 0) -> list[dict]:
    rng = random.Random(seed)
    rows: list[dict] = []
    for repo in repos:
        repo_dir = mirrors / repo.replace("/", "+") / "repo"
        commits = candidate_commits(repo_dir)
        mechanical = [c for c in commits if MECHANICAL_MESSAGE.search(c[1])]
        other = [c for c in commits if not MECHANICAL_MESSAGE.search(c[1])]
        chosen = rng.sample(mechanical, min(len(mechanical), COMMITS_PER_REPO // 2))
        chosen += rng.sample(other, min(len(other), COMMITS_PER_REPO - len(chosen)))
        for sha, subject, _, _ in chosen:
            try:
                rows.append(record(repo, repo_dir, "commit", f"{sha}^", sha, subject))
            except (IngestError, subprocess.CalledProcessError) as exc:
                print(f"  skipped {repo} {sha[:8]}: {exc}", file=sys.stderr)
        first_parent = git(repo_dir, "rev-list", "--first-parent", "-n", "2000", "HEAD").split()
        starts = list(range(0, max(len(first_parent) - RANGE_LENGTH, 0), RANGE_LENGTH))
        rng.shuffle(starts)
        made = 0
        for start in starts[:12]:
            head, base = first_parent[start], first_parent[start + RANGE_LENGTH]
            stat = git(repo_dir, "diff", "--numstat", base, head)
            rows_stat = [s.split("\t") for s in stat.splitlines() if s.count("\t") == 2]
            lines = sum(int(r[0]) + int(r[1]) for r in rows_stat if r[0].isdigit())
            py = sum(1 for r in rows_stat if r[2].endswith(".py"))
            if not (300 <= lines <= 2500 and py >= 4 and len(rows_stat) <= 60):
                continue
            rows.append(record(repo, repo_dir, "range", base, head, f"{RANGE_LENGTH} commits"))
            made += 1
            if made == RANGES_PER_REPO:
                break
        print(f"{repo}: {len(chosen)} commits, {made} ranges", flush=True)
    return rows


def labelled(row: dict, diff: ParsedDiff) -> dict:
    """The row with its labels computed from `diff` (the row's diff, contents attached)."""
    labels = hunk_labels(diff.files)
    return dict(row, constraints=read_before(diff.files), labels=labels,
                heart=heart_labels(diff.files, labels) if row["kind"] == "commit" else None)


def relabel() -> list[dict]:
    with gzip.open(DATA, "rt", encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle]
    return [labelled(row, to_case(row).git) for row in rows]


def to_case(row: dict) -> Case:
    """A stored row as two parsed diffs (git range and pasted) plus its labels."""
    git_diff = parse_diff(row["diff"])
    pasted = parse_diff(row["diff"])
    for f in git_diff.files:
        old, new = row["contents"].get(f.path, [None, None])
        f.old_content, f.new_content = old, new
    git_diff.base_sha, git_diff.head_sha = row["base"], row["head"]
    return Case(row["repo"], row["kind"], row["base"], row["head"], row["message"], git_diff,
                pasted, [tuple(c) for c in row["constraints"]], row["labels"], row["heart"])


def load_cases(path: Path = DATA) -> list[Case]:
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return [to_case(json.loads(line)) for line in handle]


def show(cases: list[Case], count: int, seed: int = 1) -> None:
    """Print `count` random labelled hunks of commits, for checking the labels by reading."""
    rng = random.Random(seed)
    hunks = [(c, fi, hi) for c in cases if c.kind == "commit"
             for fi, f in enumerate(c.git.files) for hi in range(len(f.hunks))
             if c.labels[fi][hi]]
    for case, fi, hi in rng.sample(hunks, min(count, len(hunks))):
        f = case.git.files[fi]
        heart = case.heart[fi][hi] if case.heart else []
        print(f"=== {case.repo} {case.head[:10]} {f.path} hunk {hi}: {case.labels[fi][hi]} "
              f"heart={heart}\n{f.hunks[hi].text[:1500]}\n")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mirrors", type=Path, default=Path("/work/.mirror"))
    parser.add_argument("--show", type=int, default=0, help="print N labelled hunks and stop")
    parser.add_argument("--relabel", action="store_true",
                        help="recompute the labels of the stored set (no mirrors needed)")
    parser.add_argument("--repos", nargs="+", default=[repo for repo, _ in REPOS],
                        help="OWNER/NAME of the mirrors to sample (default: the set's 20)")
    parser.add_argument("--out", type=Path, default=DATA,
                        help="where to write the set (e.g. a second held-out set in var/)")
    args = parser.parse_args(argv)
    if args.show:
        show(load_cases(), args.show)
        return
    rows = relabel() if args.relabel else build(args.mirrors, args.repos)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(args.out, "wt", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row) + "\n")
    print(f"{len(rows)} cases -> {args.out} ({args.out.stat().st_size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
