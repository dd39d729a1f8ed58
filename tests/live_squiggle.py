"""A real Squiggle as `make run` starts it (`runsquiggle`: daphne + a supervised Celery worker),
in its own data directory, driven over HTTP like a reviewer's browser would."""

from __future__ import annotations

import logging
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import psutil

ROOT = Path(__file__).resolve().parents[1]
logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request drowns the output


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LiveSquiggle:
    """One app instance. SQLite and a filesystem broker by default (the embedded default), or
    PostgreSQL (`database_url`) and Redis (`redis_url`)."""

    def __init__(self, data_dir: Path, *, database_url: str | None = None,
                 redis_url: str | None = None, env: dict[str, str] | None = None) -> None:
        self.data_dir = data_dir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.database_url = database_url or f"sqlite:///{data_dir / 'squiggle.sqlite3'}"
        self.env = {k: v for k, v in os.environ.items()
                    if k not in ("DATABASE_URL", "REDIS_URL", "SQUIGGLE_TASKS_EAGER")}
        self.env.update(SQUIGGLE_DATA_DIR=str(data_dir), DATABASE_URL=self.database_url,
                        DJANGO_SETTINGS_MODULE="reviewapp.settings", PYTHONUNBUFFERED="1")
        if redis_url:
            self.env["REDIS_URL"] = redis_url
        self.env.update(env or {})
        self.process: subprocess.Popen | None = None
        self.log_path = data_dir / "runsquiggle.log"
        self.username = self.password = ""

    # ---- life cycle ------------------------------------------------------------------------
    def manage(self, *args: str) -> str:
        done = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=self.env,
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stdout

    def prepare(self) -> None:
        """Migrate and create the login, as `make run` does (the demo review included)."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.manage("migrate", "--noinput", "-v0")
        self.manage("bootstrap_demo")
        self.username, self.password = (self.data_dir / "login.txt").read_text().split()[:2]

    def start(self) -> None:
        log = self.log_path.open("a")
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "runsquiggle", "--port", str(self.port)],
            cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            assert self.process.poll() is None, self.log()
            time.sleep(0.3)
        raise AssertionError(f"runsquiggle did not answer within 60 s\n{self.log()}")

    def stop(self, *, kill: bool = False) -> None:
        """Ctrl-C (or, with `kill`, SIGKILL to every process of the app, as a crash would)."""
        if self.process is None:
            return
        children = psutil.Process(self.process.pid).children(recursive=True)
        if kill:
            os.killpg(self.process.pid, signal.SIGKILL)
        else:
            self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self.process = None
        _, alive = psutil.wait_procs(children, timeout=15)
        for child in alive:
            child.kill()
        assert not alive, f"runsquiggle left processes running: {[c.pid for c in alive]}"

    def log(self, tail: int | None = 6000) -> str:
        """What runsquiggle and its children printed (the last `tail` characters)."""
        text = self.log_path.read_text() if self.log_path.exists() else ""
        return text[-tail:] if tail else text

    def worker_pids(self) -> list[int]:
        """The Celery worker processes runsquiggle started."""
        assert self.process is not None
        children = psutil.Process(self.process.pid).children(recursive=True)
        return [c.pid for c in children if "celery" in " ".join(c.cmdline())]

    # ---- a reviewer ------------------------------------------------------------------------
    def login(self) -> httpx.Client:
        client = httpx.Client(base_url=self.url, timeout=60, follow_redirects=True)
        client.get("/accounts/login/")
        answer = client.post("/accounts/login/", data={
            "username": self.username, "password": self.password,
            "csrfmiddlewaretoken": client.cookies["csrftoken"]})
        assert answer.status_code == 200 and "Log out" in answer.text, answer.text[:500]
        return client

    @staticmethod
    def csrf(client: httpx.Client) -> dict[str, str]:
        return {"X-CSRFToken": client.cookies["csrftoken"]}

    def submit(self, client: httpx.Client, title: str, diff: str) -> httpx.Response:
        """Paste a diff as a new review; returns the revision page the form redirects to."""
        answer = client.post("/reviews/new", data={
            "title": title, "new_repository": f"live/{uuid.uuid4().hex[:8]}", "diff": diff,
            "csrfmiddlewaretoken": client.cookies["csrftoken"]})
        assert answer.status_code == 200 and "/r/1/" in str(answer.url), answer.text[:2000]
        return answer

    @staticmethod
    def status_url(page: httpx.Response) -> str:
        return re.search(r'data-status-url="([^"]+)"', page.text).group(1)

    def job(self, client: httpx.Client, page: httpx.Response) -> dict:
        return client.get(self.status_url(page)).json()["job"]

    def wait_job(self, client: httpx.Client, page: httpx.Response, timeout: float = 240,
                 ) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            job = self.job(client, page)
            if job and job["state"] in ("done", "failed"):
                return job
            time.sleep(0.5)
        raise AssertionError(f"the job did not finish in {timeout} s: {job}\n{self.log()}")

    # ---- the database behind it -----------------------------------------------------------
    def query(self, sql: str) -> list[tuple]:
        """Read the app's own database directly (SQLite file or PostgreSQL)."""
        if self.database_url.startswith("sqlite:///"):
            with sqlite3.connect(self.database_url[len("sqlite:///"):], timeout=30) as db:
                return db.execute(sql).fetchall()
        import psycopg

        with psycopg.connect(self.database_url) as db:
            return db.execute(sql).fetchall()


@contextmanager
def celery_worker_on_test_database(queues: str | None = None, node: str = "squiggle",
                                   **env: str) -> Iterator[subprocess.Popen]:
    """A real `celery worker` on this pytest session's PostgreSQL test database and Redis,
    the ML stages off unless `env` says otherwise; tasks stop being eager while it runs.
    Workers side by side need different `node` names."""
    import pytest
    from django.conf import settings

    from reviewapp.celery import app

    if not settings.REDIS_URL or settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        pytest.skip("needs REDIS_URL and a PostgreSQL DATABASE_URL (make test sets both)")
    db = settings.DATABASES["default"]
    url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"
    full_env = dict(os.environ, DATABASE_URL=url, SQUIGGLE_ANALYSIS_ML="0",
                    DJANGO_SETTINGS_MODULE="reviewapp.settings", **env)
    app.control.purge()
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "reviewapp", "worker", "--pool=solo",
         "--concurrency=1", "--loglevel=WARNING", "--without-gossip", "--without-mingle",
         "-n", f"{node}@%h",
         *(["-Q", queues] if queues else [])], cwd=ROOT, env=full_env)
    app.conf.task_always_eager = False
    try:
        yield process
    finally:
        process.terminate()
        process.wait(timeout=20)
