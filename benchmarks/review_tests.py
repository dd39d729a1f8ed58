"""What the tests stage (the change's own tests, `reviewapp/findings/proved.py`) adds to a review.

    python benchmarks/review_tests.py [--repeats 3]

Times `manage.py review --repo DEMO --range HEAD~1..HEAD --json` as a user runs it (a fresh
process each time, models on as the product ships), with the stage and with `--no-tests`,
alternating so both see the same machine load. Two changes: the demo (its head adds a test
that fails on its `>`: the stage runs the tests, searches a repair and reports `>=`), and the
same change without its test edits (the stage has nothing to run: it must cost nothing).
Prints the medians and the added seconds; writes benchmarks/results/review_tests.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def build_changes(folder: Path) -> dict[str, Path]:
    """The demo repository, and a copy whose head keeps the base's tests."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reviewapp.settings")
    import django

    django.setup()
    from reviewapp.reviews.management.commands.bootstrap_demo import _git, build_demo_repository

    demo, control = folder / "demo", folder / "without-tests"
    build_demo_repository(demo)
    build_demo_repository(control)
    _git(control, "checkout", "HEAD~1", "--", "tests")
    _git(control, "commit", "-q", "--amend", "-m", "shop: bulk discounts (tests unchanged)")
    return {"demo": demo, "without test changes": control}


def review_s(repo: Path, *extra: str) -> tuple[float, dict]:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "manage.py", "review", "--repo", str(repo),
                           "--range", "HEAD~1..HEAD", "--json", *extra], cwd=ROOT,
                          capture_output=True, text=True, check=True, timeout=600)
    return time.perf_counter() - started, json.loads(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    results = {}
    with tempfile.TemporaryDirectory(prefix="squiggle-review-tests-") as folder:
        os.environ.setdefault("SQUIGGLE_DATA_DIR", folder)
        for name, repo in build_changes(Path(folder)).items():
            times: dict[str, list[float]] = {"with the stage": [], "without (--no-tests)": []}
            findings = []
            for _ in range(args.repeats):
                seconds, review = review_s(repo)
                times["with the stage"].append(seconds)
                findings = review["findings"]
                times["without (--no-tests)"].append(review_s(repo, "--no-tests")[0])
            medians = {mode: statistics.median(values) for mode, values in times.items()}
            added = medians["with the stage"] - medians["without (--no-tests)"]
            results[name] = {"seconds": times, "median_s": medians, "added_s": added,
                             "findings_with_the_stage": findings}
            print(f"{name}: with {medians['with the stage']:.1f} s, without "
                  f"{medians['without (--no-tests)']:.1f} s: the stage adds {added:+.1f} s "
                  f"(median of {args.repeats}); findings: "
                  f"{[(f['path'], f['line'], f['replacement']) for f in findings]}")
    results["machine"] = {"cpus": os.cpu_count(), "python": platform.python_version(),
                          "platform": platform.platform()}
    out = ROOT / "benchmarks" / "results" / "review_tests.json"
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
