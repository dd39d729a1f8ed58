"""`python -m synthdata build`: build the sharded synthetic-bug dataset."""

from __future__ import annotations

import argparse
import json
import sys
import sysconfig
from pathlib import Path

from synthdata.dataset import BuildConfig, build

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
    args = parser.parse_args(argv)
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


if __name__ == "__main__":
    sys.exit(main())
