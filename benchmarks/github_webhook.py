"""GitHub integration benchmark: signed webhook → posted review for a ~300-line pull request.

    DATABASE_URL=postgres://... REDIS_URL=redis://... python benchmarks/github_webhook.py

Runs the real pieces: daphne serving the app, a Celery worker (ML stages on: bug model and
language model), PostgreSQL, Redis, and the fake GitHub of the tests over HTTP. The pull request
is real code of this repository (whole modules added, one shortened module restored). Prints
the webhook's answer time, webhook → review and webhook → completed check run, cold (the worker
loads its models) and warm, and the ratio of the end-to-end time to the analysis job's own stage
time (the baseline: what the same revision costs as a local review); writes
benchmarks/results/github_webhook.json.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

REPO = "bench/widgets"
SECRET = "benchmark-webhook-secret"
APP_ID, INSTALLATION_ID = 1, 2
# Real modules, added whole, plus one restored from its first 2 lines: 300 changed lines.
ADDED = ["reviewapp/pipeline.py", "reviewapp/github/comments.py"]
SHORTENED = "reviewapp/ingest/limits.py"


def pull_request_files() -> tuple[dict[str, str], dict[str, str], int]:
    head = {path: (ROOT / path).read_text() for path in ADDED + [SHORTENED]}
    base = {SHORTENED: "".join(head[SHORTENED].splitlines(keepends=True)[:2])}
    changed = sum(text.count("\n") for path, text in head.items() if path in ADDED)
    changed += head[SHORTENED].count("\n") - base[SHORTENED].count("\n")
    return base, head, changed


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise SystemExit(f"timed out waiting for {what}")


def main() -> None:
    if not os.environ.get("DATABASE_URL", "").startswith("postgres") or not os.environ.get(
            "REDIS_URL"):
        raise SystemExit("set DATABASE_URL (PostgreSQL) and REDIS_URL: the benchmark runs the "
                         "real worker and broker")
    import httpx
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    from reviewapp.github.signature import sign
    from tests.reviewapp.github.fake_github import FakeGitHub

    data_dir = tempfile.mkdtemp(prefix="squiggle-bench-")
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    key_path = Path(data_dir) / "app.pem"
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo)
    fake = FakeGitHub(APP_ID, public.decode()).start()
    port = free_port()
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="reviewapp.settings",
               SQUIGGLE_DATA_DIR=data_dir, SQUIGGLE_ANALYSIS_ML="1",
               SQUIGGLE_GITHUB_API_URL=fake.url, SQUIGGLE_PUBLIC_URL=f"http://127.0.0.1:{port}",
               BENCH_SECRET=SECRET)
    manage = [sys.executable, "manage.py"]
    subprocess.run(manage + ["migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
    subprocess.run(manage + ["connect_github", REPO, "--app-id", str(APP_ID),
                             "--installation-id", str(INSTALLATION_ID), "--private-key-file",
                             str(key_path), "--webhook-secret-env", "BENCH_SECRET"],
                   cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    subprocess.run([sys.executable, "-m", "celery", "-A", "reviewapp", "purge", "-f"],
                   cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    processes = [
        subprocess.Popen([sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port),
                          "reviewapp.asgi:application"], cwd=ROOT, env=env,
                         stderr=subprocess.DEVNULL),
        subprocess.Popen([sys.executable, "-m", "celery", "-A", "reviewapp", "worker",
                          "--pool=solo", "--concurrency=1", "--loglevel=WARNING",
                          "--without-gossip", "--without-mingle"], cwd=ROOT, env=env,
                         stderr=subprocess.DEVNULL),
    ]
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: _up(httpx, base_url), 60, "daphne")
        base, head, changed = pull_request_files()
        runs = []
        # Fresh numbers each run: analyses are keyed on (repository, PR, head) in the database.
        first = int(time.time()) % 1_000_000 * 10
        for number, label in ((first, "cold (worker loads its models)"), (first + 1, "warm")):
            pull = fake.open_pull_request(REPO, number, base, head, title=f"bench {number}")
            payload = {"action": "opened", "number": number, "repository": {"full_name": REPO},
                       "pull_request": {"number": number, "title": pull.title, "draft": False,
                                        "head": {"sha": pull.head_sha},
                                        "base": {"sha": pull.base_sha}}}
            body = json.dumps(payload).encode()
            started, wall = time.perf_counter(), time.time()
            response = httpx.post(f"{base_url}/github/webhook", content=body, timeout=30,
                                  headers={"Content-Type": "application/json",
                                           "X-GitHub-Event": "pull_request",
                                           "X-GitHub-Delivery": str(uuid.uuid4()),
                                           "X-Hub-Signature-256": sign(SECRET, body)})
            answered = time.perf_counter() - started
            assert response.status_code == 202, response.text
            completed = wait_until(lambda n=number: _completed(fake, n), 900, "the check run")
            finished = time.perf_counter() - started
            posts = [c for c in fake.calls_to("POST", rf"/pulls/{number}/reviews$")
                     if c.status == 200 and (c.body or {}).get("event")]
            review_at = (posts[0].at - wall) if posts else None
            stage_s = _stage_seconds(env, number)
            runs.append({"run": label, "changed_lines": changed,
                         "webhook_answer_s": round(answered, 3),
                         "webhook_to_review_s": None if review_at is None else round(review_at, 2),
                         "webhook_to_check_run_s": round(finished, 2),
                         "findings": len(completed["annotations"]),
                         "analysis_stages_s": stage_s,
                         "ratio_to_stages": round(finished / max(stage_s, 1e-3), 2)})
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)
        fake.stop()
    for r in runs:
        review = "no review (no finding)" if r["webhook_to_review_s"] is None else (
            f"review {r['webhook_to_review_s']:.1f} s")
        print(f"{r['run']:32s} {r['changed_lines']} lines: webhook answered in "
              f"{r['webhook_answer_s'] * 1000:.0f} ms; {review}; check run "
              f"{r['webhook_to_check_run_s']:.1f} s; {r['findings']} findings; analysis stages "
              f"{r['analysis_stages_s']:.1f} s -> end-to-end / stages = {r['ratio_to_stages']}x")
    out = ROOT / "benchmarks" / "results" / "github_webhook.json"
    out.write_text(json.dumps({"runs": runs, "cpu_count": os.cpu_count()}, indent=2) + "\n")
    print(f"wrote {out.relative_to(ROOT)}")


def _up(httpx, base_url: str) -> bool:
    try:
        return httpx.get(f"{base_url}/healthz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def _completed(fake, number: int) -> dict | None:
    pull = fake.pulls[(REPO, number)]
    for run in fake.check_runs.values():
        if run["head_sha"] == pull.head_sha and run["status"] == "completed":
            return run
    return None


def _stage_seconds(env: dict, number: int) -> float:
    """The analysis job's summed stage timings, read through Django like the app does."""
    code = ("from reviewapp.github.models import PullRequestAnalysis as A;"
            f"a = A.objects.get(repository__full_name='{REPO}', number={number});"
            "print(sum(a.revision.jobs.first().timings.values()))")
    result = subprocess.run([sys.executable, "-c", "import django; django.setup();" + code],
                            cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    return round(float(result.stdout.strip().splitlines()[-1]), 2)


if __name__ == "__main__":
    main()
