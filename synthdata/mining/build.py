"""`python -m synthdata mine`: mine every mirror, dedupe, split by repository, write
synthdata/real (fixes.jsonl.gz, clean.jsonl.gz, repos.json, stats.json)."""

from __future__ import annotations

import gzip
import hashlib
import importlib.metadata
import json
import random
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from synthdata.corpus import (
    extract_functions,
    normalised_hash,
    read_source,
    site_package_files,
    stdlib_files,
)
from synthdata.mining.clean import clean_functions
from synthdata.mining.fixes import MiningStats, is_source_path, mine_repository
from synthdata.mining.history import OPEN_LICENSES, GitRepository
from synthdata.mining.statements import whitespace_free
from synthdata.source import SourceText

SPLITS = ("train", "dev", "test")
SPLIT_SHARES = {"train": 0.6, "dev": 0.2, "test": 0.2}
# Kept for acceptance tests of the product: never mined.
RESERVED = frozenset({
    "jkoppel/quixbugs", "pallets/itsdangerous", "encode/httpx", "encode/django-rest-framework",
    "reviewboard/reviewboard", "qodo-ai/pr-agent", "karpathy/nanogpt",
})
_GENERIC_PACKAGES = {"src", "tests", "test", "docs", "doc", "examples", "scripts", "tools",
                     "benchmarks", "bench", "extra", "contrib"}


@dataclass(frozen=True)
class MineConfig:
    mirrors: tuple[Path, ...]
    out_dir: Path
    site_dir: Path | None
    seed: int = 14
    workers: int = 2
    max_fixes_per_repo: int = 150
    clean_per_repo: int = 500
    repos_file: Path | None = None  # a previous repos.json: keep its splits
    corpus_cache: Path = Path("var/mining/corpus_hashes.json")
    cache_dir: Path = Path("var/mining/repos")  # per-repository mining results


def repo_name(mirror: Path) -> str:
    """owner/name of a mirror directory named `owner+name` (or `owner+name/repo`)."""
    directory = mirror.parent if mirror.name == "repo" else mirror
    owner, _, name = directory.name.partition("+")
    if not name:
        raise ValueError(f"{mirror}: expected a directory named owner+name")
    return f"{owner}/{name}"


def top_level_packages(paths: Iterable[str]) -> set[str]:
    """Importable top-level names of a source tree (`pkg/`, `src/pkg/`, `module.py`)."""
    names = set()
    for path in paths:
        parts = path.split("/")
        if parts[0] in ("src", "lib") and len(parts) > 2:
            parts = parts[1:]
        if len(parts) == 2 and parts[1] == "__init__.py":
            names.add(parts[0])
        elif len(parts) == 1 and path.endswith(".py"):
            names.add(path[:-3])
    return names - _GENERIC_PACKAGES - {"setup", "conftest", "noxfile", "fabfile", "tasks"}


def _miner_version() -> str:
    """Hash of the mining code: cached results of another version are not reused."""
    digest = hashlib.sha256()
    for module in ("history.py", "statements.py", "fixes.py", "clean.py"):
        digest.update((Path(__file__).parent / module).read_bytes())
    return digest.hexdigest()[:16]


def _mine_one(job: tuple[str, Path, int, int, Path]) -> dict:
    """Worker: fixes, clean-function candidates and facts of one repository (cached per
    repository HEAD and miner version in `cache_dir`)."""
    name, git_dir, clean_limit, seed, cache_dir = job
    repo = GitRepository(git_dir)
    cache = cache_dir / f"{name.replace('/', '+')}-{repo.head()[:12]}-{clean_limit}-{seed}-" \
        f"{_miner_version()}.json.gz"
    if cache.exists():
        with gzip.open(cache, "rt", encoding="utf-8") as handle:
            return json.load(handle)
    result = _mine_uncached(repo, name, clean_limit, seed)
    cache_dir.mkdir(parents=True, exist_ok=True)
    with gzip.open(cache, "wt", encoding="utf-8") as handle:
        json.dump(result, handle)
    return result


def _mine_uncached(repo: GitRepository, name: str, clean_limit: int, seed: int) -> dict:
    try:
        stats = MiningStats()
        fixes = list(mine_repository(repo, name, stats))
        head = repo.head()
        touched = {(f["path"], f["func_name"]) for f in fixes}
        clean = clean_functions(repo, name, head, touched, clean_limit * 3, seed)
        packages = top_level_packages(path for path, _ in repo.tree(head, recursive=True))
        return {
            "repo": name, "head": head, "head_date": repo.git("log", "-1", "--format=%cs",
                                                              head).strip(),
            "license": repo.license_at(head), "root": repo.git("rev-list", "--max-parents=0",
                                                               head).split()[:1],
            "fixes": fixes, "clean": clean, "packages": sorted(packages),
            "commits": stats.commits, "reasons": dict(stats.reasons),
        }
    finally:
        repo.close()


def corpus_hashes(site_dir: Path | None, cache: Path) -> tuple[set[str], set[str]]:
    """Normalised hashes of every function of the synthetic corpus (stdlib + site-packages),
    and the top-level package names installed there; cached in `cache`."""
    key = str(site_dir)
    if cache.exists():
        stored = json.loads(cache.read_text())
        if stored.get("site_dir") == key:
            return set(stored["hashes"]), set(stored["packages"])
    files = list(stdlib_files())
    if site_dir is not None:
        files += list(site_package_files(site_dir))
    hashes: set[str] = set()
    for file in files:
        text = read_source(file.location)
        if text is not None:
            hashes.update(normalised_hash(f.text) for f in extract_functions(text, 10_000))
    packages = set()
    if site_dir is not None:
        for dist in importlib.metadata.distributions(path=[str(site_dir)]):
            packages |= top_level_packages(str(f) for f in dist.files or [])
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_text(json.dumps({"site_dir": key, "hashes": sorted(hashes),
                                 "packages": sorted(packages)}))
    return hashes, packages


def span_reproduces_fix(fix: dict) -> bool:
    """Replacing the record's (line, column) span of `file_before` with `fixed_code` yields
    `file_after_func` as the fixed function (the record's contract, checked on the JSON)."""
    text = fix["file_before"]
    src = SourceText(text)
    start = src.line_start(fix["bug_line"]) + fix["bug_col"]
    end = src.line_start(fix["bug_end_line"]) + fix["bug_end_col"]
    if text[start:end] != fix["buggy_code"]:
        return False
    fixed = text[:start] + fix["fixed_code"] + text[end:]
    delta = fixed.count("\n") - text.count("\n")
    lines = fixed.split("\n")
    return "\n".join(lines[fix["func_start"] - 1: fix["func_end"] + delta]) == \
        fix["file_after_func"]


def dedupe_fixes(fixes: list[dict], corpus: set[str]) -> tuple[list[dict], Counter]:
    """Drop fixes whose buggy function duplicates an earlier one's or a corpus function, and
    any whose span does not reproduce the fix."""
    seen: set[str] = set()
    kept, dropped = [], Counter()
    for fix in sorted(fixes, key=lambda f: (f["date"], f["repo"], f["commit"])):
        lines = fix["file_before"].split("\n")
        func = "\n".join(lines[fix["func_start"] - 1: fix["func_end"]])
        key = whitespace_free(func)
        if not span_reproduces_fix(fix):
            dropped["span does not reproduce the fix"] += 1
        elif key in seen:
            dropped["duplicate function"] += 1
        elif normalised_hash(func) in corpus:
            dropped["in synthetic corpus"] += 1
        else:
            seen.add(key)
            kept.append(fix)
    return kept, dropped


def assign_splits(fix_counts: dict[str, int], forced_train: Iterable[str], seed: int,
                  ) -> dict[str, str]:
    """Repository → split, ~60/20/20 by fixes; `forced_train` repositories (whose code the
    synthetic corpus contains) are train. Deterministic for a seed."""
    total = sum(fix_counts.values())
    forced = set(forced_train)
    splits = {repo: "train" for repo in sorted(forced)}
    filled = Counter({"train": sum(fix_counts.get(r, 0) for r in forced)})
    rest = sorted(set(fix_counts) - forced)
    random.Random(seed).shuffle(rest)
    rest.sort(key=lambda r: -fix_counts[r])  # stable: largest first, ties in shuffled order
    for repo in rest:
        split = max(SPLITS, key=lambda s: (SPLIT_SHARES[s] * total - filled[s], -SPLITS.index(s)))
        splits[repo] = split
        filled[split] += fix_counts[repo]
    return splits


def _write_jsonl(path: Path, rows: Iterable[dict]) -> int:
    count = 0
    with gzip.GzipFile(path, "wb", mtime=0) as raw:  # mtime 0: byte-identical rebuilds
        for row in rows:
            raw.write((json.dumps(row, ensure_ascii=False) + "\n").encode("utf-8"))
            count += 1
    return count


def mine(config: MineConfig) -> dict:
    """Mine, dedupe, split and write everything; returns the stats written to stats.json."""
    names = {repo_name(m): m for m in config.mirrors}
    reserved = sorted(n for n in names if n.lower() in RESERVED)
    if reserved:
        raise ValueError(f"reserved repositories may not be mined: {', '.join(reserved)}")
    jobs = [(n, m, config.clean_per_repo, config.seed, config.cache_dir)
            for n, m in sorted(names.items())]
    results = []
    with ProcessPoolExecutor(config.workers) as pool:
        for result in pool.map(_mine_one, jobs):
            print(f"{result['repo']}: {len(result['fixes'])} fixes, {result['commits']} commits",
                  file=sys.stderr)
            results.append(result)
    corpus, installed = corpus_hashes(config.site_dir, config.corpus_cache)
    # Forks and copies of one project share their first commit: keep the one with most fixes.
    by_root: dict[str, str] = {}
    dropped_repos: dict[str, str] = {}
    for result in sorted(results, key=lambda r: -len(r["fixes"])):
        if result["license"] not in OPEN_LICENSES:
            dropped_repos[result["repo"]] = f"license {result['license']}"
            continue
        root = (result["root"] or [""])[0]
        if root and root in by_root:
            dropped_repos[result["repo"]] = f"same project as {by_root[root]}"
            continue
        by_root[root] = result["repo"]
    results = [r for r in results if r["repo"] not in dropped_repos]
    fixes: list[dict] = []
    for result in results:
        rng = random.Random(f"{config.seed}:{result['repo']}")
        mined = result["fixes"]
        fixes += rng.sample(mined, min(len(mined), config.max_fixes_per_repo))
    fixes, fix_drops = dedupe_fixes(fixes, corpus)
    counts = Counter(f["repo"] for f in fixes)
    previous = {}
    if config.repos_file is not None and config.repos_file.exists():
        previous = {r["repo"]: r["split"] for r in json.loads(config.repos_file.read_text())}
    forced = {r["repo"] for r in results if set(r["packages"]) & installed}
    splits = assign_splits({r["repo"]: counts.get(r["repo"], 0) for r in results}, forced,
                           config.seed)
    splits.update({repo: split for repo, split in previous.items() if repo in splits})
    for fix in fixes:
        fix["split"] = splits[fix["repo"]]
    fixes.sort(key=lambda f: (SPLITS.index(f["split"]), f["repo"], f["date"], f["commit"]))
    clean, clean_drops = _clean_set(results, fixes, corpus, splits, config.clean_per_repo)
    out = config.out_dir
    out.mkdir(parents=True, exist_ok=True)
    _write_jsonl(out / "fixes.jsonl.gz", fixes)
    _write_jsonl(out / "clean.jsonl.gz", clean)
    repos = [{
        "repo": r["repo"], "url": f"https://github.com/{r['repo']}", "license": r["license"],
        "split": splits[r["repo"]], "in_synthetic_corpus": r["repo"] in forced,
        "packages": r["packages"], "head": r["head"], "head_date": r["head_date"],
    } for r in sorted(results, key=lambda r: r["repo"])]
    (out / "repos.json").write_text(json.dumps(repos, indent=1) + "\n")
    stats = _stats(results, fixes, clean, fix_drops, clean_drops, dropped_repos, config)
    (out / "stats.json").write_text(json.dumps(stats, indent=1) + "\n")
    return stats


def _clean_set(results: list[dict], fixes: list[dict], corpus: set[str], splits: dict[str, str],
               per_repo: int) -> tuple[list[dict], Counter]:
    """Clean functions: not a fix's function (before or after), not in the corpus, unique."""
    fix_keys = set()
    for fix in fixes:
        lines = fix["file_before"].split("\n")
        fix_keys.add(whitespace_free("\n".join(lines[fix["func_start"] - 1: fix["func_end"]])))
        fix_keys.add(whitespace_free(fix["file_after_func"]))
    seen: set[str] = set()
    clean, dropped = [], Counter()
    for result in sorted(results, key=lambda r: r["repo"]):
        chosen = []
        for row in result["clean"]:
            if len(chosen) >= per_repo:
                break
            key = whitespace_free(row["source"])
            if key in fix_keys:
                dropped["a fix's function"] += 1
            elif key in seen:
                dropped["duplicate"] += 1
            elif normalised_hash(row["source"]) in corpus:
                dropped["in synthetic corpus"] += 1
            elif not is_source_path(row["path"]):
                dropped["not source"] += 1
            else:
                seen.add(key)
                chosen.append(dict(row, license=result["license"],
                                   split=splits[result["repo"]]))
        clean += sorted(chosen, key=lambda r: (r["path"], r["func_start"]))
    clean.sort(key=lambda r: (SPLITS.index(r["split"]), r["repo"], r["path"], r["func_start"]))
    return clean, dropped


def _stats(results: list[dict], fixes: list[dict], clean: list[dict], fix_drops: Counter,
           clean_drops: Counter, dropped_repos: dict[str, str], config: MineConfig) -> dict:
    per_repo: dict[str, dict] = {}
    fixes_by_repo = defaultdict(list)
    for fix in fixes:
        fixes_by_repo[fix["repo"]].append(fix)
    clean_by_repo = Counter(c["repo"] for c in clean)
    clean_lines = Counter()
    for c in clean:
        clean_lines[c["repo"]] += c["func_end"] - c["func_start"] + 1
    for r in results:
        own = fixes_by_repo[r["repo"]]
        dates = sorted(f["date"] for f in own)
        per_repo[r["repo"]] = {
            "fixes": len(own), "mined": len(r["fixes"]), "commits": r["commits"],
            "clean": clean_by_repo[r["repo"]], "clean_lines": clean_lines[r["repo"]],
            "first_fix": dates[0] if dates else None, "last_fix": dates[-1] if dates else None,
            "head": r["head"], "head_date": r["head_date"], "license": r["license"],
            "reasons": r["reasons"],
        }
    splits: dict[str, dict] = {}
    for split in SPLITS:
        own = [f for f in fixes if f["split"] == split]
        own_clean = [c for c in clean if c["split"] == split]
        splits[split] = {
            "repos": sorted({f["repo"] for f in own} | {c["repo"] for c in own_clean}),
            "fixes": len(own), "kinds": dict(Counter(f["kind"] for f in own).most_common()),
            "clean": len(own_clean),
            "clean_lines": sum(c["func_end"] - c["func_start"] + 1 for c in own_clean),
        }
    return {
        "seed": config.seed, "max_fixes_per_repo": config.max_fixes_per_repo,
        "clean_per_repo": config.clean_per_repo, "splits": splits, "repos": per_repo,
        "dropped_fixes": dict(fix_drops), "dropped_clean": dict(clean_drops),
        "dropped_repos": dropped_repos,
    }
