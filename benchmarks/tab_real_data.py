"""Build Tab's real edit-sequence set from the git history of public Python repositories.

    python benchmarks/tab_real_data.py [--per-repo 40] [--mirrors /work/.mirror]

One *sequence* is one real commit: the small line changes it makes to its Python files
(``difflib`` runs of changed lines, each at most ``MAX_CHANGE_LINES`` a side), put in an order
a person could have typed them in, so that each step follows from the ones before:

* a change to a definition — a ``def``/``class`` line, an import, an assignment — whose
  changed names (added or removed identifiers) also occur in other changes comes before those
  other changes (rename → call sites, removed import → its uses, new parameter → its uses);
* then file by file (the file holding such a definition first), top to bottom.

`steps` expands a sequence into benchmark cases: after ``k ≥ 1`` changes, the recent edits
(one small unified diff per edit, oldest first, paths included, as an editor records them),
the file of the next change as it is now, the cursor (the last edit's line when the next change
is in the same file, else line 1 of the newly opened file) and the expected next edit. And the
cases where nothing should change: every changed file once the commit is done, with the cursor
on a line the commit left untouched (``no_edit``) and with the cursor on the file's last edit
(``reversal_trap``: the tempting answer undoes it), and one Python file the commit did not
touch, with the commit's edits as history (``untouched_file``).

Splits are by repository (below). Sequences are deduplicated by the text of their changes
(backports and cherry-picks), within and across repositories; a later split loses the
duplicate. The set is derived from permissively licensed repositories (MIT, BSD, Apache-2.0;
read from each LICENSE file, listed with the commit of each sequence in the data and in
``benchmarks/README.md``) and committed as ``benchmarks/data/tab_real.jsonl.gz``.
"""

from __future__ import annotations

import argparse
import difflib
import gzip
import hashlib
import json
import random
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

OUTPUT = ROOT / "benchmarks" / "data" / "tab_real.jsonl.gz"

#: (repository, license, split). Licenses read from each repository's LICENSE file. None is
#: reserved, in ``synthdata/real/repos.json``, the guidance set or the Apply real-edit sets.
REPOS = (
    ("PyCQA/isort", "MIT", "train"),
    ("lark-parser/lark", "MIT", "train"),
    ("hgrecco/pint", "BSD-3-Clause", "train"),
    ("simonw/sqlite-utils", "Apache-2.0", "train"),
    ("pypa/twine", "Apache-2.0", "train"),
    ("nedbat/coveragepy", "Apache-2.0", "train"),
    ("joke2k/faker", "MIT", "train"),
    ("cookiecutter/cookiecutter", "BSD-3-Clause", "train"),
    ("sqlalchemy/mako", "MIT", "dev"),
    ("bottlepy/bottle", "MIT", "dev"),
    ("jazzband/tablib", "MIT", "dev"),
    ("mkdocs/mkdocs", "BSD-2-Clause", "test"),
    ("pypa/build", "MIT", "test"),
    ("falconry/falcon", "Apache-2.0", "test"),
    ("pytransitions/transitions", "MIT", "test"),
)
SPLIT_ORDER = ("test", "dev", "train")  # a duplicate is kept in the earliest of these

MAX_CHANGE_LINES = 6
MIN_CHANGES, MAX_CHANGES = 2, 12
MAX_FILES = 4
MAX_FILE_LINES = 1200
#: Recent edits shown to Tab (oldest dropped first).
HISTORY_EDITS = 8
#: A no-edit cursor is at least this far from every change of the commit.
NO_EDIT_DISTANCE = 8

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_DEFINITION = re.compile(r"^\s*(?:async\s+def|def|class|import|from)\b|^\s*[\w.]+\s*(?::[^=]+)?=")


@dataclass(frozen=True)
class Change:
    """Lines ``start..end`` (0-based, end exclusive) of the original ``path`` become ``new``."""

    path: str
    start: int
    end: int
    new: tuple[str, ...]


# ---------------------------------------------------------------------------------------------
# Reading the history


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True,
                          text=True, errors="replace").stdout


def _show(repo: Path, commit: str, path: str) -> str | None:
    done = subprocess.run(["git", "-C", str(repo), "show", f"{commit}:{path}"],
                          capture_output=True)
    if done.returncode != 0:
        return None
    try:
        return done.stdout.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _candidate_commits(repo: Path) -> Iterator[tuple[str, str, list[str]]]:
    """(commit, parent, changed .py paths) of small non-merge first-parent commits, newest first."""
    log = _git(repo, "log", "--first-parent", "--no-merges", "--no-renames", "--format=@%H %P",
               "--numstat", "HEAD")
    commit = parent = ""
    paths: list[str] = []
    ok = True
    for line in log.splitlines() + ["@"]:
        if line.startswith("@"):
            if commit and ok and 1 <= len(paths) <= MAX_FILES:
                yield commit, parent, paths
            parts = line[1:].split()
            commit, parent = (parts[0], parts[1]) if len(parts) >= 2 else ("", "")
            paths, ok = [], True
            continue
        fields = line.split("\t")
        if len(fields) != 3 or not fields[2].endswith(".py"):
            continue
        if fields[0] == "-" or int(fields[0]) + int(fields[1]) > MAX_CHANGES * MAX_CHANGE_LINES:
            ok = False
        paths.append(fields[2])


def _changes(path: str, before: str, after: str) -> list[Change] | None:
    a, b = before.splitlines(), after.splitlines()
    if not a or max(len(a), len(b)) > MAX_FILE_LINES:
        return None
    changes = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        if max(i2 - i1, j2 - j1) > MAX_CHANGE_LINES:
            return None
        changes.append(Change(path, i1, i2, tuple(b[j1:j2])))
    return changes


def _names(lines: tuple[str, ...] | list[str]) -> set[str]:
    return {name for line in lines for name in _IDENTIFIER.findall(line)}


def _changed_names(change: Change, original: list[str]) -> set[str]:
    old = original[change.start:change.end]
    return _names(old) ^ _names(change.new)


def order_changes(changes: list[Change], originals: dict[str, list[str]]) -> list[Change]:
    """Definitions whose changed names other changes mention first, then file by file, top to
    bottom (the file holding such a definition first)."""
    changed = [_changed_names(c, originals[c.path]) for c in changes]

    def defines(i: int) -> bool:
        c = changes[i]
        lines = list(originals[c.path][c.start:c.end]) + list(c.new)
        if not any(_DEFINITION.match(line) for line in lines):
            return False
        return any(changed[i] & (changed[j] | _names(changes[j].new)) for j in range(len(changes))
                   if j != i)

    first = {i for i in range(len(changes)) if defines(i)}
    paths = sorted({c.path for c in changes},
                   key=lambda p: (not any(changes[i].path == p for i in first), p))
    rank = {p: n for n, p in enumerate(paths)}
    order = sorted(range(len(changes)),
                   key=lambda i: (i not in first, rank[changes[i].path], changes[i].start))
    return [changes[i] for i in order]


@dataclass
class Sequence:
    repo: str
    license: str
    split: str
    commit: str
    subject: str
    files: dict[str, str]  # path -> text before the commit
    changes: list[Change]
    untouched: tuple[str, str] | None  # (path, text) of a Python file the commit left alone

    def signature(self) -> str:
        text = json.dumps([(c.path.rsplit("/", 1)[-1], self.files[c.path].splitlines()[
            c.start:c.end], c.new) for c in self.changes])
        return hashlib.sha256(text.encode()).hexdigest()

    def to_json(self) -> dict:
        return {"repo": self.repo, "license": self.license, "split": self.split,
                "commit": self.commit, "subject": self.subject, "files": self.files,
                "changes": [[c.path, c.start, c.end, list(c.new)] for c in self.changes],
                "untouched": list(self.untouched) if self.untouched else None}


def sequence_from_json(row: dict) -> Sequence:
    """A sequence as `build` wrote it."""
    changes = [Change(p, s, e, tuple(new)) for p, s, e, new in row["changes"]]
    untouched = tuple(row["untouched"]) if row["untouched"] else None
    return Sequence(row["repo"], row["license"], row["split"], row["commit"], row["subject"],
                    row["files"], changes, untouched)  # type: ignore[arg-type]


def _sequences(mirror: Path, repo_name: str, license_name: str, split: str, per_repo: int,
               rng: random.Random) -> Iterator[Sequence]:
    found = 0
    tracked: list[str] | None = None
    for commit, parent, paths in _candidate_commits(mirror):
        files: dict[str, str] = {}
        changes: list[Change] = []
        for path in paths:
            before, after = _show(mirror, parent, path), _show(mirror, commit, path)
            found_changes = _changes(path, before, after) if before and after else None
            if found_changes is None:
                changes = []
                break
            files[path] = before  # type: ignore[assignment]
            changes.extend(found_changes)
        if not MIN_CHANGES <= len(changes) <= MAX_CHANGES:
            continue
        originals = {p: t.splitlines() for p, t in files.items()}
        if tracked is None:
            tracked = [p for p in _git(mirror, "ls-tree", "-r", "--name-only", "HEAD").split("\n")
                       if p.endswith(".py")]
        untouched = _untouched_file(mirror, parent, paths, tracked, rng)
        subject = _git(mirror, "log", "-1", "--format=%s", commit).strip()
        yield Sequence(repo_name, license_name, split, commit, subject, files,
                       order_changes(changes, originals), untouched)
        found += 1
        if found >= per_repo:
            return


def _untouched_file(mirror: Path, parent: str, paths: list[str], tracked: list[str],
                    rng: random.Random) -> tuple[str, str] | None:
    """A Python file beside the changed ones (same folder first) that the commit left alone."""
    folders = {p.rsplit("/", 1)[0] if "/" in p else "" for p in paths}
    near = [p for p in tracked if p not in paths and (p.rsplit("/", 1)[0] if "/" in p else "")
            in folders]
    for path in rng.sample(near, min(len(near), 4)):
        text = _show(mirror, parent, path)
        if text and 20 <= len(text.splitlines()) <= MAX_FILE_LINES:
            return path, text
    return None


def build(mirrors: Path, per_repo: int) -> list[Sequence]:
    """Every repository's sequences, deduplicated (the earlier split keeps a duplicate)."""
    by_split: dict[str, list[Sequence]] = {split: [] for split in SPLIT_ORDER}
    for repo_name, license_name, split in REPOS:
        mirror = mirrors / repo_name.replace("/", "+") / "repo"
        if not mirror.is_dir():
            raise SystemExit(f"{mirror} is missing: fetch github:{repo_name} first")
        rng = random.Random(repo_name)
        found = list(_sequences(mirror, repo_name, license_name, split, per_repo, rng))
        print(f"{repo_name}: {len(found)} sequences", file=sys.stderr)
        by_split[split].extend(found)
    seen: set[str] = set()
    kept: list[Sequence] = []
    for split in SPLIT_ORDER:
        for sequence in by_split[split]:
            signature = sequence.signature()
            if signature not in seen:
                seen.add(signature)
                kept.append(sequence)
    return kept


# ---------------------------------------------------------------------------------------------
# Expanding sequences into Tab cases


def _edit_diff(path: str, before: list[str], after: list[str]) -> str:
    return "".join(difflib.unified_diff([line + "\n" for line in before],
                                        [line + "\n" for line in after],
                                        f"a/{path}", f"b/{path}", n=2))


def _lines_text(lines: list[str]) -> str:
    return "".join(line + "\n" for line in lines)


def steps(sequence: Sequence, seed: int = 0) -> list[dict]:
    """The Tab cases of one sequence (see the module docstring)."""
    state = {p: t.splitlines() for p, t in sequence.files.items()}
    shift: dict[str, list[tuple[int, int]]] = {p: [] for p in state}  # (original start, delta)
    history: list[str] = []
    done_at: dict[str, int] = {}  # path -> current line (1-based) of its latest edit
    cases: list[dict] = []
    last_path = ""
    name = f"{sequence.repo}@{sequence.commit[:10]}"
    base = {"repo": sequence.repo, "commit": sequence.commit, "split": sequence.split}

    def now(change: Change) -> int:
        return change.start + sum(d for s, d in shift[change.path] if s < change.start)

    for k, change in enumerate(sequence.changes):
        start = now(change)
        if k >= 1:
            same = change.path == last_path
            expected = {"start_line": start + 1, "end_line": start + change.end - change.start,
                        "new_text": _lines_text(list(change.new))}
            cases.append({**base, "id": f"{name}:{k}", "kind": "edit", "path": change.path,
                          "file": _lines_text(state[change.path]),
                          "cursor_line": done_at[last_path] if same else 1,
                          "history": "".join(history[-HISTORY_EDITS:]), "cross_file": not same,
                          "expected": expected})
        before = state[change.path]
        after = before[:start] + list(change.new) + before[start + change.end - change.start:]
        history.append(_edit_diff(change.path, before, after))
        state[change.path] = after
        shift[change.path].append((change.start, len(change.new) - (change.end - change.start)))
        done_at[change.path] = start + 1
        last_path = change.path
    recent = "".join(history[-HISTORY_EDITS:])
    last_edit = {c.path: now(c) + 1 for c in sequence.changes}  # final lines; the last wins
    rng = random.Random(f"{seed}:{sequence.commit}")
    for path, lines in state.items():
        touched = {now(c) + i for c in sequence.changes if c.path == path
                   for i in range(-1, len(c.new) + 1)}
        far = [n for n in range(1, len(lines) + 1) if lines[n - 1].strip()
               and all(abs(n - 1 - t) >= NO_EDIT_DISTANCE for t in touched)]
        common = {**base, "path": path, "file": _lines_text(lines), "history": recent,
                  "cross_file": False, "expected": None}
        if far:
            cases.append({**common, "id": f"{name}:{path}:no-edit", "kind": "no_edit",
                          "cursor_line": rng.choice(far)})
        cases.append({**common, "id": f"{name}:{path}:reversal", "kind": "reversal_trap",
                      "cursor_line": last_edit[path]})
    if sequence.untouched is not None:
        path, text = sequence.untouched
        lines = text.splitlines()
        cases.append({**base, "id": f"{name}:{path}:untouched", "kind": "untouched_file",
                      "path": path, "file": text if text.endswith("\n") else text + "\n",
                      "cursor_line": rng.randint(1, len(lines)), "history": recent,
                      "cross_file": True, "expected": None})
    return cases


def load_sequences(path: Path = OUTPUT, split: str | None = None) -> list[Sequence]:
    """The committed sequences (of one split, or all)."""
    rows = [json.loads(line) for line in gzip.decompress(path.read_bytes()).splitlines()]
    return [sequence_from_json(r) for r in rows if split is None or r["split"] == split]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mirrors", type=Path, default=Path("/work/.mirror"))
    parser.add_argument("--per-repo", type=int, default=40)
    args = parser.parse_args()
    sequences = build(args.mirrors, args.per_repo)
    text = "".join(json.dumps(s.to_json(), sort_keys=True) + "\n" for s in sequences)
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_bytes(gzip.compress(text.encode(), mtime=0))  # mtime=0: byte-identical rebuilds
    for split in SPLIT_ORDER:
        chosen = [s for s in sequences if s.split == split]
        cases = [c for s in chosen for c in steps(s)]
        kinds = {k: sum(c["kind"] == k for c in cases) for k in
                 ("edit", "no_edit", "reversal_trap", "untouched_file")}
        print(f"{split}: {len(chosen)} sequences, {kinds}", file=sys.stderr)
    print(f"wrote {OUTPUT} ({OUTPUT.stat().st_size:,} bytes)", file=sys.stderr)


if __name__ == "__main__":
    main()
