"""Bug injection and the sharded dataset writer/reader (`python -m synthdata build`)."""

from __future__ import annotations

import gzip
import json
import random
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

from tqdm import tqdm

from synthdata.corpus import (
    SPLITS,
    CorpusFile,
    extract_functions,
    normalised_hash,
    read_source,
    site_package_files,
    split_of,
    stdlib_files,
)
from synthdata.rewrites import KINDS, Candidate, enumerate_candidates

FORMAT_VERSION = 1


@dataclass
class Injection:
    """A buggy text made from a clean one, and the index of the repair among its candidates."""

    buggy: str
    candidates: list[Candidate]
    target: int
    kind: str


@dataclass
class Record:
    """One dataset row: a clean function, its candidates, and one injected bug."""

    package: str
    path: str
    license: str
    first_line: int
    context: str
    clean: str
    clean_candidates: list[Candidate]
    buggy: str
    buggy_candidates: list[Candidate]
    target: int
    kind: str

    def to_json(self) -> str:
        row = asdict(self)
        row["clean_candidates"] = _pack(self.clean_candidates)
        row["buggy_candidates"] = _pack(self.buggy_candidates)
        return json.dumps(row, ensure_ascii=False)

    @classmethod
    def from_json(cls, line: str) -> Record:
        row = json.loads(line)
        row["clean_candidates"] = _unpack(row["clean_candidates"])
        row["buggy_candidates"] = _unpack(row["buggy_candidates"])
        return cls(**row)


def _pack(candidates: list[Candidate]) -> list[list]:
    return [[KINDS.index(c.kind), c.start, c.end, c.replacement] for c in candidates]


def _unpack(rows: list[list]) -> list[Candidate]:
    return [Candidate(KINDS[k], s, e, r) for k, s, e, r in rows]


def inject(text: str, rng: random.Random, candidates: list[Candidate] | None = None,
           kind: str | None = None, attempts: int = 6) -> Injection | None:
    """Inject one bug into `text`: a kind uniformly, then a candidate of that kind.

    Only injections whose inverse repair appears among the buggy text's candidates are
    returned, so every training target is reachable by the same enumeration.
    """
    if candidates is None:
        candidates = enumerate_candidates(text)
    by_kind: dict[str, list[Candidate]] = defaultdict(list)
    for cand in candidates:
        # A dropped statement is injected by deleting one; re-adding one is only its repair.
        if not cand.kind.startswith("dropped_") or cand.replacement == "":
            by_kind[cand.kind].append(cand)
    kinds = [kind] if kind is not None else sorted(by_kind)
    for _ in range(attempts):
        available = [k for k in kinds if by_kind.get(k)]
        if not available:
            return None
        chosen = rng.choice(by_kind[rng.choice(available)])
        by_kind[chosen.kind].remove(chosen)
        buggy = chosen.apply(text)
        try:
            buggy_candidates = enumerate_candidates(buggy)
        except (SyntaxError, ValueError):
            continue
        for index, cand in enumerate(buggy_candidates):
            if cand.apply(buggy) == text:
                return Injection(buggy, buggy_candidates, index, chosen.kind)
    return None


#: Installed distributions whose code comes from repositories reserved for acceptance testing
#: (encode/httpx and its fork httpx2, pallets/itsdangerous, encode/django-rest-framework):
#: never training data, even when the venv holds them as dependencies.
RESERVED_DISTRIBUTIONS = frozenset({"httpx", "httpx2", "itsdangerous", "djangorestframework"})


@dataclass
class BuildConfig:
    """What goes into a dataset build."""

    out_dir: Path
    site_dir: Path | None
    seed: int = 0
    max_files_per_package: int = 120
    max_functions_per_package: int = 1500
    max_function_lines: int = 60
    shard_size: int = 4000
    workers: int = 2
    limit_files: int | None = None
    include_stdlib: bool = True
    exclude_packages: frozenset[str] = field(
        default_factory=lambda: frozenset({"squiggle"}) | RESERVED_DISTRIBUTIONS)


def _file_records(args: tuple[CorpusFile, int, int]) -> list[tuple[str, Record]]:
    """Worker: every function of one file as (normalised hash, record)."""
    file, seed, max_lines = args
    text = read_source(file.location)
    if text is None:
        return []
    rng = random.Random(f"{seed}:{file.path}")
    out = []
    for func in extract_functions(text, max_lines):
        try:
            clean_candidates = enumerate_candidates(func.text)
        except (SyntaxError, ValueError, RecursionError):
            continue
        injection = inject(func.text, rng, clean_candidates)
        if injection is None:
            continue
        out.append((normalised_hash(func.text), Record(
            file.package, file.path, file.license, func.first_line, func.context, func.text,
            clean_candidates, injection.buggy, injection.candidates, injection.target,
            injection.kind)))
    return out


def corpus_files(config: BuildConfig) -> tuple[list[CorpusFile], int]:
    """Files to read, capped per package, deduplicated by normalised content hash."""
    sources: list[Iterable[CorpusFile]] = [stdlib_files()] if config.include_stdlib else []
    if config.site_dir is not None:
        sources.append(site_package_files(config.site_dir, config.exclude_packages))
    per_package: dict[str, list[CorpusFile]] = defaultdict(list)
    for source in sources:
        for file in source:
            per_package[file.package].append(file)
    seen: set[str] = set()
    chosen, duplicates = [], 0
    for package in sorted(per_package):
        files = per_package[package]
        random.Random(f"{config.seed}:{package}").shuffle(files)
        kept = 0
        for file in files:
            if kept >= config.max_files_per_package:
                break
            text = read_source(file.location)
            if text is None:
                continue
            digest = normalised_hash(text)
            if digest in seen:
                duplicates += 1
                continue
            seen.add(digest)
            chosen.append(file)
            kept += 1
    if config.limit_files is not None:
        chosen = chosen[: config.limit_files]
    return chosen, duplicates


class ShardWriter:
    """Writes records of one split to gzipped JSON-lines shards of a fixed size."""

    def __init__(self, directory: Path, shard_size: int) -> None:
        self.directory = directory
        self.shard_size = shard_size
        self.count = 0
        self.shards: list[str] = []
        self._handle: gzip.GzipFile | None = None
        directory.mkdir(parents=True, exist_ok=True)

    def write(self, record: Record) -> None:
        if self.count % self.shard_size == 0:
            self.close()
            name = f"shard-{len(self.shards):05d}.jsonl.gz"
            self.shards.append(name)
            self._handle = gzip.open(self.directory / name, "wt", encoding="utf-8")
        self._handle.write(record.to_json() + "\n")
        self.count += 1

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None


def build(config: BuildConfig) -> dict:
    """Build every split and write `manifest.json`; returns the manifest."""
    print("scanning corpus ...", file=sys.stderr)
    files, file_duplicates = corpus_files(config)
    writers = {split: ShardWriter(config.out_dir / split, config.shard_size) for split in SPLITS}
    kinds: dict[str, Counter] = {split: Counter() for split in SPLITS}
    packages: dict[str, dict[str, str]] = {split: {} for split in SPLITS}
    split_files: dict[str, list[dict]] = {split: [] for split in SPLITS}
    functions_per_package: Counter = Counter()
    seen: set[str] = set()
    function_duplicates = 0
    jobs = [(f, config.seed, config.max_function_lines) for f in files]
    with ProcessPoolExecutor(config.workers) as pool:
        results = pool.map(_file_records, jobs, chunksize=8)
        for file, rows in tqdm(zip(files, results, strict=True), total=len(files),
                               desc="files", file=sys.stderr):
            split = split_of(file.package)
            packages[split][file.package] = file.license
            split_files[split].append({"path": file.path, "package": file.package,
                                       "license": file.license, "location": str(file.location)})
            for digest, record in rows:
                if digest in seen:
                    function_duplicates += 1
                    continue
                if functions_per_package[file.package] >= config.max_functions_per_package:
                    break
                seen.add(digest)
                functions_per_package[file.package] += 1
                writers[split].write(record)
                kinds[split][record.kind] += 1
    for writer in writers.values():
        writer.close()
    manifest = {
        "format_version": FORMAT_VERSION,
        "seed": config.seed,
        "config": {k: (str(v) if isinstance(v, Path) else sorted(v) if isinstance(v, frozenset)
                       else v) for k, v in asdict(config).items()},
        "duplicates": {"files": file_duplicates, "functions": function_duplicates},
        "splits": {
            split: {
                "records": writers[split].count,
                "shards": writers[split].shards,
                "kinds": dict(sorted(kinds[split].items())),
                "packages": dict(sorted(packages[split].items())),
                "files": split_files[split],
            }
            for split in SPLITS
        },
    }
    (config.out_dir / "manifest.json").write_text(json.dumps(manifest, indent=1))
    return manifest


def load_manifest(data_dir: Path) -> dict:
    """The manifest of a built dataset (FileNotFoundError with a hint when missing)."""
    path = Path(data_dir) / "manifest.json"
    if not path.exists():
        raise FileNotFoundError(f"no dataset at {data_dir}: run `python -m synthdata build` first")
    return json.loads(path.read_text())


def iter_records(data_dir: Path, split: str) -> Iterator[Record]:
    """Records of one split, in shard order."""
    manifest = load_manifest(data_dir)
    for shard in manifest["splits"][split]["shards"]:
        with gzip.open(Path(data_dir) / split / shard, "rt", encoding="utf-8") as handle:
            for line in handle:
                yield Record.from_json(line)
