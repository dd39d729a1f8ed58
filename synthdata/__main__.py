"""`python -m synthdata build`: build the sharded synthetic-bug dataset."""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import sysconfig
from pathlib import Path

from synthdata.dataset import BuildConfig, build
from synthdata.mining.build import MineConfig, mine
from synthdata.mining.card import render
from synthdata.mining.clean import CLEAN_FILES, clean_files

DEFAULT_OUT = Path("var/synthdata")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m synthdata")
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="build train/val/test shards and a manifest")
    b.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output directory")
    b.add_argument("--site-packages", type=Path, default=None,
                   help="site-packages to read (default: this interpreter's purelib)")
    b.add_argument("--no-site-packages", action="store_true", help="stdlib only")
    b.add_argument("--seed", type=int, default=0)
    b.add_argument("--workers", type=int, default=2)
    b.add_argument("--max-files-per-package", type=int, default=120)
    b.add_argument("--max-functions-per-package", type=int, default=1500)
    b.add_argument("--limit-files", type=int, default=None, help="cap on files (smoke runs)")
    m = sub.add_parser("mine", help="mine real single-statement bug fixes from git mirrors")
    m.add_argument("--mirrors", type=Path, nargs="+", required=True,
                   help="git directories named owner+name (or owner+name/repo)")
    m.add_argument("--out", type=Path, default=Path("synthdata/real"))
    m.add_argument("--repos", type=Path, default=None,
                   help="a previous repos.json whose split assignment is kept")
    m.add_argument("--site-packages", type=Path, default=None,
                   help="the synthetic corpus' site-packages (default: this interpreter's)")
    m.add_argument("--seed", type=int, default=14)
    m.add_argument("--workers", type=int, default=2)
    m.add_argument("--max-fixes-per-repo", type=int, default=150)
    m.add_argument("--clean-per-repo", type=int, default=500)
    f = sub.add_parser("clean-files", help="the whole files of the clean functions (checks that "
                       "read the rest of the module need them)")
    f.add_argument("--mirrors", type=Path, required=True, help="directory of owner+name mirrors")
    f.add_argument("--out", type=Path, default=Path("synthdata/real"))
    f.add_argument("--splits", nargs="+", default=["dev", "test"])
    c = sub.add_parser("card", help="render SOURCES.md of a mined directory")
    c.add_argument("--out", type=Path, default=Path("synthdata/real"))
    args = parser.parse_args(argv)
    if args.command == "mine":
        return _mine(args)
    if args.command == "card":
        return _card(args.out)
    if args.command == "clean-files":
        return _clean_files(args)
    site = None if args.no_site_packages else (
        args.site_packages or Path(sysconfig.get_paths()["purelib"]))
    if site is not None and not site.is_dir():
        print(f"error: {site} is not a directory", file=sys.stderr)
        return 2
    manifest = build(BuildConfig(
        out_dir=args.out, site_dir=site, seed=args.seed, workers=args.workers,
        max_files_per_package=args.max_files_per_package,
        max_functions_per_package=args.max_functions_per_package, limit_files=args.limit_files))
    summary = {split: {"records": s["records"], "packages": len(s["packages"]), "kinds": s["kinds"]}
               for split, s in manifest["splits"].items()}
    print(json.dumps(summary, indent=1))
    return 0


def _clean_files(args: argparse.Namespace) -> int:
    with gzip.open(args.out / "clean.jsonl.gz", "rt", encoding="utf-8") as lines:
        rows = [json.loads(line) for line in lines if line.strip()]
    count = 0
    with gzip.open(args.out / CLEAN_FILES, "wt", encoding="utf-8") as out:
        for row in clean_files(rows, args.mirrors, set(args.splits)):
            out.write(json.dumps(row) + "\n")
            count += 1
    print(f"wrote {count} files to {args.out / CLEAN_FILES}")
    return 0


def _mine(args: argparse.Namespace) -> int:
    missing = [str(m) for m in args.mirrors if not m.is_dir()]
    if missing:
        print(f"error: not a directory: {', '.join(missing)}", file=sys.stderr)
        return 2
    try:
        stats = mine(MineConfig(
            mirrors=tuple(args.mirrors), out_dir=args.out,
            site_dir=args.site_packages or Path(sysconfig.get_paths()["purelib"]),
            seed=args.seed, workers=args.workers, max_fixes_per_repo=args.max_fixes_per_repo,
            clean_per_repo=args.clean_per_repo, repos_file=args.repos))
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(json.dumps(stats["splits"], indent=1))
    return _card(args.out)


def _card(out: Path) -> int:
    if not (out / "stats.json").exists():
        print(f"error: {out}/stats.json missing: run `python -m synthdata mine` first",
              file=sys.stderr)
        return 2
    (out / "SOURCES.md").write_text(render(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
