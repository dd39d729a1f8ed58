"""The GitHub integration's test rig: a fake GitHub on 127.0.0.1, an App key pair, a connected
repository, signed deliveries, and a real Celery worker pointed at the fake."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from bugmodel.calibration import FindingCalibration
from bugmodel.detector import WEIGHTS_DIR
from reviewapp.github.signature import sign

from .fake_github import FakeGitHub

ROOT = Path(__file__).resolve().parents[3]
APP_ID = 4242
INSTALLATION_ID = 777
REPO = "acme/widgets"
SECRET = "webhook-secret-for-tests"
LOG_LEVEL = os.environ.get("SQUIGGLE_TEST_WORKER_LOG", "WARNING")  # INFO to see the worker


# These tests check posting, not the model: the product detector's real-code threshold leaves
# their small pull requests without findings, so they run the from-scratch model alone (whose
# scores these pull requests were written against) and report from a score of 0.01 up, said as
# the probability that score is shown with. Under the scaling fitted with a NO_BUG offset that
# gives these pull requests the findings a score of 0.5 gave under the temperature alone
# (one per new class: its `self.items = []`, scored 0.028 and 0.022; the next best 0.006).
POSTING_DETECTOR = "scratch"
POSTING_THRESHOLD = str(FindingCalibration(**json.loads(
    (WEIGHTS_DIR / "calibration.json").read_text())["finding_calibration"])(0.01))


@pytest.fixture(autouse=True)
def _findings_to_post(monkeypatch):
    monkeypatch.setenv("SQUIGGLE_BUG_THRESHOLD", POSTING_THRESHOLD)
    monkeypatch.setenv("SQUIGGLE_BUG_DETECTOR", POSTING_DETECTOR)


@pytest.fixture(scope="session")
def app_key(tmp_path_factory) -> dict:
    """An RSA key pair like the one a GitHub App downloads: private PEM file, public PEM."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    path = tmp_path_factory.mktemp("app") / "app.private-key.pem"
    path.write_bytes(pem)
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo)
    return {"path": str(path), "private": pem.decode(), "public": public.decode()}


@pytest.fixture(scope="module")
def fake_server(app_key):
    server = FakeGitHub(APP_ID, app_key["public"]).start()
    yield server
    server.stop()


@pytest.fixture
def fake_github(fake_server, settings):
    """The fake with a clean slate; this process's settings point at it."""
    fake_server.reset()
    settings.SQUIGGLE_GITHUB = {**settings.SQUIGGLE_GITHUB, "API_URL": fake_server.url,
                                "MAX_WAIT_S": 5.0}
    return fake_server


@pytest.fixture
def connected(db, fake_github, app_key, monkeypatch):
    """`acme/widgets` connected as an App installation through the management command."""
    from django.core.management import call_command

    from reviewapp.reviews.models import Repository

    monkeypatch.setenv("SQUIGGLE_TEST_WEBHOOK_SECRET", SECRET)
    call_command("connect_github", REPO, "--app-id", str(APP_ID), "--installation-id",
                 str(INSTALLATION_ID), "--private-key-file", app_key["path"],
                 "--webhook-secret-env", "SQUIGGLE_TEST_WEBHOOK_SECRET", stdout=io.StringIO())
    return Repository.objects.get(full_name=REPO)


def pull_request_payload(fake: FakeGitHub, number: int, action: str) -> dict:
    pull = fake.pulls[(REPO, number)]
    return {
        "action": action, "number": number,
        "pull_request": {"number": number, "title": pull.title, "draft": pull.draft,
                         "head": {"sha": pull.head_sha}, "base": {"sha": pull.base_sha}},
        "repository": {"full_name": REPO},
        "installation": {"id": INSTALLATION_ID},
    }


def deliver(base_url: str, event: str, payload: dict, *, delivery: str | None = None,
            secret: str = SECRET) -> httpx.Response:
    """POST a webhook the way GitHub does: raw JSON body, signed, with event and delivery."""
    body = json.dumps(payload).encode()
    return httpx.post(f"{base_url}/github/webhook", content=body, timeout=30, headers={
        "Content-Type": "application/json", "X-GitHub-Event": event,
        "X-GitHub-Delivery": delivery or str(uuid.uuid4()),
        "X-Hub-Signature-256": sign(secret, body)})


class Worker:
    """A `celery worker` subprocess on this test database, the Redis broker and the fake."""

    def __init__(self, env: dict) -> None:
        self.env = env
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "reviewapp", "worker", "--pool=solo",
             "--concurrency=1", f"--loglevel={LOG_LEVEL}", "--without-gossip",
             "--without-mingle", "--without-heartbeat"], cwd=ROOT, env=self.env)

    def kill(self) -> None:
        """SIGKILL: no warm shutdown, the message it held stays unacknowledged."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=20)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()


@pytest.fixture(scope="module")
def worker(fake_server, live_server, django_db_setup, django_db_blocker):
    """One worker for the module, ML stages on (the real bug model), redelivery after 8 s."""
    from django.conf import settings

    from reviewapp.celery import app

    if not settings.REDIS_URL or settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        pytest.skip("needs REDIS_URL and a PostgreSQL DATABASE_URL (make test sets both)")
    db = settings.DATABASES["default"]
    url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"
    env = dict(os.environ, DATABASE_URL=url, DJANGO_SETTINGS_MODULE="reviewapp.settings",
               SQUIGGLE_ANALYSIS_ML="1", SQUIGGLE_GITHUB_API_URL=fake_server.url,
               SQUIGGLE_PUBLIC_URL=live_server.url, SQUIGGLE_TASK_VISIBILITY_S="8",
               # A redelivered job is taken over once its dead worker's heartbeat is stale.
               SQUIGGLE_JOB_HEARTBEAT_S="1", SQUIGGLE_JOB_STALE_S="4",
               SQUIGGLE_BUG_THRESHOLD=POSTING_THRESHOLD,
               SQUIGGLE_BUG_DETECTOR=POSTING_DETECTOR,
               SQUIGGLE_GITHUB_MAX_WAIT_S="5")
    app.control.purge()
    process = Worker(env)
    process.start()
    yield process
    process.stop()


@pytest.fixture
def running_worker(worker, fake_github):
    """The module's worker, with this process enqueuing to Redis instead of running inline."""
    from reviewapp.celery import app

    app.conf.task_always_eager = False
    if worker.process.poll() is not None:
        worker.start()
    return worker


def wait_for(condition, timeout: float = 120.0, interval: float = 0.25, what: str = ""):
    """Poll until `condition()` is truthy; fail with `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    pytest.fail(f"timed out after {timeout:.0f} s waiting for {what or condition}")
