"""Load test: 50 reviewers browsing a 10k-line review while an analysis runs (locust, headless).

    nice -n 15 python benchmarks/load.py [--users 50] [--seconds 60] \
        [--database-url postgres://...] [--redis-url redis://...] \
        [--set SQUIGGLE_WEB_PROCESSES=1 ...] [--out load_before.json]

(locust: `pip install -e ".[bench]"`.)

Starts Squiggle as `make run` does (`runsquiggle`: daphne and a Celery worker; the embedded
SQLite default, or PostgreSQL and Redis when given), submits a generated 10k-line, 200-file
review, then drives it with locust's users: each signs in, opens the revision page, lazy-loads
files as scrolling does, expands context, polls the job status. While they browse, the review's
analysis runs with the model stages on (bug detection and LM importance), so the worker competes
for the same two cores. The baseline, measured first in the same run and under the same running
analysis, is one reviewer alone; the report gives p50/p95 per request kind and overall, errors,
the ratio of the loaded p50/p95 to the baseline's, and whether the analysis was running at the
start and the end of each window. `--set NAME=VALUE` overrides one of the app's settings (e.g.
the web processes or the inline render budget, to measure an older configuration). Writes
benchmarks/results/load.json (or `--out`).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import signal
import sys
import tempfile
import time
from pathlib import Path

from locust import HttpUser, between, task  # first: locust patches the standard library
from locust.env import Environment

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.diffgen import generate_diff  # noqa: E402
from tests.live_squiggle import LiveSquiggle  # noqa: E402


class Reviewer(HttpUser):
    """A reviewer on the review page, already signed in: scrolls (lazy-loads files), expands
    context, polls the status, waits. (Signing in is left out: 50 password hashes at once
    measure PBKDF2, not reviewing.)"""

    wait_time = between(0.5, 2.0)
    review_path = ""  # /reviews/<id>/r/1/, set before the run
    file_ids: list[int] = []
    session_cookie = ""  # a signed-in session, shared: browsing changes nothing

    def on_start(self) -> None:
        self.client.cookies.set("sessionid", self.session_cookie)
        self.open_page()

    @task(1)
    def open_page(self) -> None:
        self.client.get(self.review_path, name="revision page")

    @task(6)
    def lazy_load_file(self) -> None:
        file_id = random.choice(self.file_ids)
        self.client.get(f"{self.review_path}files/{file_id}/", name="file (lazy load)")

    @task(2)
    def expand_context(self) -> None:
        file_id = random.choice(self.file_ids)
        self.client.get(f"{self.review_path}files/{file_id}/context?first=1&last=20",
                        name="context lines")

    @task(2)
    def poll_status(self) -> None:
        self.client.get(f"{self.review_path}status", name="job status")


def run_load(url: str, users: int, seconds: float) -> dict:
    """Run `users` reviewers for `seconds`; percentiles (ms) and errors per request kind."""
    environment = Environment(user_classes=[Reviewer], host=url)
    runner = environment.create_local_runner()
    runner.start(users, spawn_rate=max(users / 5, 1))
    time.sleep(seconds)  # locust's users run in gevent greenlets meanwhile
    runner.quit()
    stats = environment.stats
    kinds = {name: _summary(entry) for (name, _), entry in stats.entries.items()}
    return {"users": users, "seconds": seconds, "overall": _summary(stats.total),
            "by_kind": kinds,
            "errors": [f"{error.name}: {error.error} x{error.occurrences}"
                       for error in stats.errors.values()][:10]}


def _summary(entry) -> dict:
    return {"requests": entry.num_requests, "failures": entry.num_failures,
            "p50_ms": entry.get_response_time_percentile(0.5),
            "p95_ms": entry.get_response_time_percentile(0.95),
            "rps": round(entry.total_rps, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--baseline-seconds", type=float, default=20)
    parser.add_argument("--database-url", help="an empty PostgreSQL database (default: SQLite)")
    parser.add_argument("--redis-url", help="Redis for the broker and channel layer")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="an environment setting of the app (repeatable)")
    parser.add_argument("--out", default="load.json", help="file name in benchmarks/results")
    args = parser.parse_args()
    overrides = dict(item.split("=", 1) for item in args.set)
    # A timeout's SIGTERM still stops the app (its processes run in a session of their own).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    with tempfile.TemporaryDirectory(prefix="squiggle-load-") as data_dir:
        app = LiveSquiggle(Path(data_dir), database_url=args.database_url,
                           redis_url=args.redis_url,
                           env={"SQUIGGLE_ANALYSIS_ML": "1",
                                "SQUIGGLE_IMPORTANCE": '{"use_lm": true}', **overrides})
        app.prepare()
        app.start()
        try:
            report = _measure(app, args)
        finally:
            app.stop()
    report["settings"] = overrides
    out = ROOT / "benchmarks" / "results" / args.out
    out.write_text(json.dumps(report, indent=2))
    print(f"wrote {out.relative_to(ROOT)}")


def _measure(app: LiveSquiggle, args: argparse.Namespace) -> dict:
    client = app.login()
    diff = generate_diff(files=200, lines=10_000, seed=3)
    page = app.submit(client, "load test: 10k lines", diff)
    app.wait_stage(client, page, ("",), timeout=300)  # the worker is analysing it

    def analysing() -> bool:
        return app.job(client, page)["state"] in ("queued", "running")

    Reviewer.review_path = page.url.path
    Reviewer.session_cookie = client.cookies["sessionid"]
    number, change_set = re.search(r"/reviews/(\d+)/r/(\d+)/", page.url.path).group(2, 1)
    Reviewer.file_ids = [row[0] for row in app.query(
        "SELECT f.id FROM reviews_filechange f JOIN reviews_revision r ON r.id = f.revision_id "
        f"WHERE r.change_set_id = {change_set} AND r.number = {number}")]
    print(f"review of {diff.count(chr(10)):,} lines, {len(Reviewer.file_ids)} files, its "
          "analysis running", flush=True)

    windows = {}
    for name, users, seconds in (("baseline", 1, args.baseline_seconds),
                                 ("loaded", args.users, args.seconds)):
        at_start = analysing()
        windows[name] = run_load(app.url, users, seconds)
        windows[name]["analysis_running"] = [at_start, analysing()]
        print(f"{name}: {users} reviewer(s) for {seconds:.0f} s, analysis running at start/end: "
              f"{windows[name]['analysis_running']}", flush=True)
    baseline, loaded = windows["baseline"], windows["loaded"]
    overall, base = loaded["overall"], baseline["overall"]
    print(f"baseline: p50 {base['p50_ms']} ms, p95 {base['p95_ms']} ms, "
          f"errors {base['failures']}")
    for name, kind in sorted(loaded["by_kind"].items()):
        print(f"  {name:18s} {kind['requests']:6,} requests  p50 {kind['p50_ms']:6.0f} ms  p95 "
              f"{kind['p95_ms']:6.0f} ms  failures {kind['failures']}")
    print(f"overall: {overall['requests']:,} requests, {overall['rps']} req/s, p50 "
          f"{overall['p50_ms']} ms, p95 {overall['p95_ms']} ms, errors {overall['failures']}; "
          f"x{overall['p50_ms'] / max(base['p50_ms'], 1):.1f} / "
          f"x{overall['p95_ms'] / max(base['p95_ms'], 1):.1f} the baseline's p50 / p95")
    for error in loaded["errors"]:
        print("  error:", error)
    # What the server said about its errors (the log goes with the temporary folder).
    server_errors = [line for line in app.log(tail=None).splitlines()
                     if re.search(r"Error|Exception|Internal Server", line)][-15:]
    for line in server_errors:
        print("  server:", line[:300])
    loaded["server_errors"] = server_errors
    return {"baseline": baseline, "loaded": loaded, "review_lines": diff.count("\n"),
            "files": len(Reviewer.file_ids),
            "database": "postgres" if args.database_url else "sqlite"}


if __name__ == "__main__":
    main()
