"""Ingest benchmark: parse + order + store + render generated diffs of 10k and 100k lines.

    python benchmarks/ingest.py [--repeats 3]

Prints seconds and lines/s per stage and the ratio of our whole ingest to a plain
`unidiff.PatchSet` parse of the same text (the baseline); writes benchmarks/results/ingest.json.
The page time is the Django test client's full response (an upper bound on first byte).
The first analysis stage (mechanical tiers, run by the worker after ingest) is timed apart.
Runs on a throw-away SQLite database unless DATABASE_URL is set.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CASES = [  # (name, files, changed lines)
    ("10k lines / 200 files", 200, 10_000),
    ("100k lines / 1000 files", 1_000, 100_000),
]


def setup_django(data_dir: str) -> None:
    os.environ.setdefault("SQUIGGLE_DATA_DIR", data_dir)
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{data_dir}/bench.sqlite3")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reviewapp.settings")
    # The analysis task is queued (to a throw-away filesystem broker) and timed on its own.
    os.environ["SQUIGGLE_TASKS_EAGER"] = "0"
    os.environ.pop("REDIS_URL", None)
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def timed(fn, repeats: int) -> tuple[float, object]:
    """Median seconds over repeats, and the last result."""
    times, result = [], None
    for _ in range(repeats):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def run_case(name: str, files: int, lines: int, repeats: int) -> dict:
    import unidiff
    from django.contrib.auth import get_user_model
    from django.test import Client

    from benchmarks.diffgen import generate_diff
    from reviewapp.ingest.parser import parse_diff
    from reviewapp.ordering import order_files
    from reviewapp.reviews.analysis import load_revision, score_mechanically
    from reviewapp.reviews.models import ChangeSet, Repository
    from reviewapp.reviews.services import store_revision

    text = generate_diff(files=files, lines=lines, seed=7)
    diff_lines = text.count("\n")
    baseline, _ = timed(lambda: unidiff.PatchSet(text), repeats)
    parse_s, parsed = timed(lambda: parse_diff(text), repeats)
    order_s, _ = timed(lambda: order_files(parsed.files), repeats)

    user, _ = get_user_model().objects.get_or_create(username="bench", is_superuser=True)
    repository, _ = Repository.objects.get_or_create(full_name="bench/repo")
    change_set = ChangeSet.objects.create(repository=repository, title=name, author=user)
    store_s, revision = timed(
        lambda: store_revision(change_set, parsed, "paste"), 1)

    mechanical_s, _ = timed(lambda: score_mechanically(load_revision(revision)), 1)

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    url = revision.get_absolute_url()
    page_s, response = timed(lambda: client.get(url), repeats)
    assert response.status_code == 200, response.status_code
    lazy = revision.files.order_by("-order").first()
    fragment_s, _ = timed(lambda: client.get(f"{url}files/{lazy.pk}/"), repeats)

    ingest_order = parse_s + order_s
    return {
        "case": name, "files": len(parsed.files), "diff_lines": diff_lines,
        "baseline_unidiff_s": round(baseline, 4),
        "parse_s": round(parse_s, 4), "order_s": round(order_s, 4),
        "ingest_and_order_s": round(ingest_order, 4),
        "store_s": round(store_s, 4), "mechanical_tiers_s": round(mechanical_s, 4),
        "page_first_byte_s": round(page_s, 4),
        "lazy_file_fragment_s": round(fragment_s, 4),
        "ingest_lines_per_s": round(diff_lines / ingest_order),
        "ratio_ingest_and_order_vs_unidiff": round(ingest_order / baseline, 3),
        "page_bytes": len(response.content),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="squiggle-bench-") as data_dir:
        setup_django(data_dir)
        results = [run_case(name, files, lines, args.repeats) for name, files, lines in CASES]
    for r in results:
        print(f"{r['case']}: {r['diff_lines']} diff lines, {r['files']} files")
        print(f"  unidiff baseline        {r['baseline_unidiff_s']:8.3f} s")
        print(f"  parse + order           {r['ingest_and_order_s']:8.3f} s "
              f"({r['ingest_lines_per_s']:,} lines/s, {r['ratio_ingest_and_order_vs_unidiff']}x "
              f"the baseline)")
        print(f"  store rows              {r['store_s']:8.3f} s")
        print(f"  mechanical tiers (task) {r['mechanical_tiers_s']:8.3f} s")
        print(f"  review page first byte  {r['page_first_byte_s']:8.3f} s "
              f"({r['page_bytes']:,} bytes)")
        print(f"  lazy file fragment      {r['lazy_file_fragment_s']:8.3f} s")
    out = ROOT / "benchmarks" / "results" / "ingest.json"
    out.write_text(json.dumps({"cases": results, "repeats": args.repeats}, indent=2) + "\n")
    print(f"wrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
