"""Clean-code functions: a repository's functions at a later commit that no mined fix touched."""

from __future__ import annotations

import ast
import random
from collections.abc import Collection, Iterator
from pathlib import Path

from synthdata.mining.fixes import is_source_path
from synthdata.mining.history import GitRepository
from synthdata.mining.statements import functions

_CONTEXT_LINES = 60
#: The whole files of the clean functions, beside `clean.jsonl.gz` (`synthdata clean-files`).
CLEAN_FILES = "clean_files.jsonl.gz"
_MIN_LINES, _MAX_LINES = 3, 200
_MAX_FILE_BYTES = 400_000


def file_functions(text: str) -> Iterator[tuple[str, int, int, str]]:
    """(qualified name, first line, last line, text) of a module's functions and methods."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return
    lines = text.split("\n")
    for name, node in functions(tree):
        start, end = node.lineno, node.end_lineno or node.lineno
        if _MIN_LINES <= end - start + 1 <= _MAX_LINES and not node.name.startswith("test"):
            yield name, start, end, "\n".join(lines[start - 1:end])


def clean_functions(repo: GitRepository, name: str, rev: str, touched: Collection[tuple[str, str]],
                    limit: int, seed: int) -> list[dict]:
    """Functions of `rev` from about `limit` randomly chosen files' worth (files shuffled with
    `seed`), skipping (path, function) pairs in `touched` and test code, in random order."""
    files = [(path, sha) for path, sha in repo.tree(rev, recursive=True) if is_source_path(path)]
    rng = random.Random(f"{seed}:{name}")
    rng.shuffle(files)
    found: list[dict] = []
    for path, sha in files:
        if len(found) >= limit:
            break
        text = repo.text(sha)
        if text is None or len(text) > _MAX_FILE_BYTES:
            continue
        lines = text.split("\n")
        for func_name, start, end, source in file_functions(text):
            if (path, func_name) in touched:
                continue
            found.append({
                "repo": name, "commit": rev, "license": "", "split": "", "path": path,
                "func_name": func_name, "func_start": start, "func_end": end, "source": source,
                "file_context": "\n".join(lines[: min(start - 1, _CONTEXT_LINES)]),
            })
    rng.shuffle(found)
    return found


def clean_files(rows: list[dict], mirrors: Path, splits: Collection[str]) -> Iterator[dict]:
    """The whole file of every clean function of `splits` at its commit, once per file, read
    from the mirrors (``mirrors/owner+name`` or ``mirrors/owner+name/repo``): checks that need
    the rest of the module (undefined names) read it."""
    seen: set[tuple[str, str, str]] = set()
    repos: dict[str, GitRepository] = {}
    for row in rows:
        key = (row["repo"], row["commit"], row["path"])
        if row["split"] not in splits or key in seen:
            continue
        seen.add(key)
        if row["repo"] not in repos:
            base = mirrors / row["repo"].replace("/", "+")
            repos[row["repo"]] = GitRepository(base / "repo" if (base / "repo").is_dir() else base)
        text = repos[row["repo"]].text(f"{row['commit']}:{row['path']}")
        if text is not None:
            yield {"repo": row["repo"], "commit": row["commit"], "path": row["path"],
                   "text": text}
    for repo in repos.values():
        repo.close()
