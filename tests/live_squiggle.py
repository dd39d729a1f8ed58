"""A real Squiggle as `make run` starts it (`runsquiggle`: daphne + a supervised Celery worker),
in its own data directory, driven over HTTP like a reviewer's browser would."""

from __future__ import annotations

import logging
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import httpx
import psutil

ROOT = Path(__file__).resolve().parents[1]
logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request drowns the output
# The LM stage is off by default (benchmarks/README.md); on here so every stage runs.
EVERY_STAGE = {"SQUIGGLE_ANALYSIS_ML": "1", "SQUIGGLE_IMPORTANCE": '{"use_lm": true}'}
# What an app keeps in its data folder besides its repositories' checkouts (the SQLite
# database, when it has one, with its journal files).
_DATA_FILES = ("squiggle.sqlite3*", "secret_key", "login.txt")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_healthy(url: str, process: subprocess.Popen, log: Callable[[], str],
                       timeout: float = 60) -> None:
    """Until `url`/healthz answers 200; fails with the process's log if it dies or never does."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        assert process.poll() is None, log()
        time.sleep(0.3)
    raise AssertionError(f"{url} did not answer within {timeout:.0f} s\n{log()}")


@dataclass(frozen=True)
class AnalysedDemo:
    """A `make run`'s data after its first start (`analyse_demo`): migrated, the login made, the
    demo review analysed with every stage. Apps started from it skip that analysis, which
    otherwise holds their one worker for 15-40 s (the change's tests, both models) before a
    test's own job runs."""

    data_dir: Path  # its data folder: the login, the secret key, the demo's checkout, SQLite
    database_url: str | None = None  # its PostgreSQL database, to copy (never to run on)

    @property
    def database(self) -> str | None:
        """The PostgreSQL database's name: a template for copies on the same server."""
        return urlparse(self.database_url).path.lstrip("/") if self.database_url else None


class LiveSquiggle:
    """One app instance. SQLite and a filesystem broker by default (the embedded default), or
    PostgreSQL (`database_url`) and Redis (`redis_url`). With `seed` (`analyse_demo`) it starts
    from that app's data files, as a second `make run` on the same data folder would (the
    caller makes `database_url` a copy of `seed.database_url`)."""

    def __init__(self, data_dir: Path, *, database_url: str | None = None,
                 redis_url: str | None = None, env: dict[str, str] | None = None,
                 seed: AnalysedDemo | None = None) -> None:
        self.data_dir = data_dir
        self.seed = seed
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
        """Migrate and create the login, as `make run` does (the demo review included; with a
        `seed`, both are there already and the commands only check)."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if self.seed is not None:
            for pattern in _DATA_FILES:
                for path in self.seed.data_dir.glob(pattern):
                    shutil.copy2(path, self.data_dir / path.name)
        self.manage("migrate", "--noinput", "-v0")
        self.manage("bootstrap_demo")
        self.username, self.password = (self.data_dir / "login.txt").read_text().split()[:2]

    def start(self) -> None:
        log = self.log_path.open("a")
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "runsquiggle", "--port", str(self.port)],
            cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True)
        wait_until_healthy(self.url, self.process, self.log)

    @contextmanager
    def running(self) -> Iterator[LiveSquiggle]:
        """Prepared and started; stopped afterwards."""
        self.prepare()
        try:
            self.start()
            yield self
        finally:
            self.stop()

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

    def wait_stage(self, client: httpx.Client, page: httpx.Response, stages: tuple[str, ...],
                   timeout: float = 180) -> dict:
        """The job once it is running one of `stages` (names or their beginnings)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            job = self.job(client, page)
            if job["state"] == "running" and job["stage"].startswith(stages):
                return job
            assert job["state"] in ("queued", "running"), job
            time.sleep(0.1)
        raise AssertionError(f"no stage {stages} within {timeout} s: {job}")

    # ---- the database behind it -----------------------------------------------------------
    def revision_rows(self, page: httpx.Response) -> tuple[int, int, int, int]:
        """(files, hunks, analysis jobs, findings) stored for the revision `page` shows."""
        revision = page.url.path.rstrip("/").split("/")
        change_set, number = int(revision[-3]), int(revision[-1])
        [rows] = self.query(
            "SELECT (SELECT COUNT(*) FROM reviews_filechange f WHERE f.revision_id = r.id), "
            "(SELECT COUNT(*) FROM reviews_hunk h JOIN reviews_filechange f ON f.id = h.file_id "
            " WHERE f.revision_id = r.id), "
            "(SELECT COUNT(*) FROM reviews_analysisjob j WHERE j.revision_id = r.id), "
            "(SELECT COUNT(*) FROM reviews_finding g WHERE g.revision_id = r.id) "
            f"FROM reviews_revision r WHERE r.change_set_id = {change_set} "
            f"AND r.number = {number}")
        return rows

    def finding_lines(self, page: httpx.Response) -> list[tuple[str, int, str]]:
        """(path, line, kind) of each finding stored for the revision `page` shows, sorted."""
        revision = page.url.path.rstrip("/").split("/")
        change_set, number = int(revision[-3]), int(revision[-1])
        return sorted(self.query(
            "SELECT f.path, g.line, g.kind FROM reviews_finding g "
            "JOIN reviews_filechange f ON f.id = g.file_id "
            "JOIN reviews_revision r ON r.id = g.revision_id "
            f"WHERE r.change_set_id = {change_set} AND r.number = {number}"))

    def query(self, sql: str) -> list[tuple]:
        """Read the app's own database directly (SQLite file or PostgreSQL)."""
        if self.database_url.startswith("sqlite:///"):
            with sqlite3.connect(self.database_url[len("sqlite:///"):], timeout=30) as db:
                return db.execute(sql).fetchall()
        import psycopg

        with psycopg.connect(self.database_url) as db:
            return db.execute(sql).fetchall()


def analyse_demo(data_dir: Path) -> AnalysedDemo:
    """The data of a `make run` whose first start is over, its demo analysed inline (no
    worker), on SQLite (`copy_demo_to_postgres` for PostgreSQL)."""
    LiveSquiggle(data_dir, env={**EVERY_STAGE, "SQUIGGLE_TASKS_EAGER": "1"}).prepare()
    return AnalysedDemo(data_dir)


def copy_demo_to_postgres(demo: AnalysedDemo) -> AnalysedDemo:
    """`demo`'s data on a PostgreSQL database of its own (drop it with
    `drop_postgres_database`): migrated, then loaded from a dump of the SQLite database, a few
    seconds where analysing the demo again takes most of a minute."""
    copy = AnalysedDemo(demo.data_dir, create_postgres_database(
        f"squiggle_demo_{uuid.uuid4().hex[:10]}"))
    dump = demo.data_dir / "demo-dump.json"
    try:
        LiveSquiggle(demo.data_dir).manage(
            "dumpdata", "--natural-foreign", "--natural-primary", "--exclude", "contenttypes",
            "--exclude", "auth.permission", "--output", str(dump))
        target = LiveSquiggle(demo.data_dir, database_url=copy.database_url)
        target.manage("migrate", "--noinput", "-v0")
        target.manage("loaddata", str(dump), "-v0")
    except BaseException:
        drop_postgres_database(copy.database)
        raise
    return copy


def create_postgres_database(name: str, template: str | None = None) -> str:
    """A fresh PostgreSQL database next to the test database (DATABASE_URL), or a copy of
    `template`; its URL."""
    import psycopg
    import pytest

    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith("postgres"):
        pytest.skip("needs a PostgreSQL DATABASE_URL (make test sets it)")
    with psycopg.connect(base, autocommit=True) as db:
        db.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    return urlparse(base)._replace(path=f"/{name}").geturl()


def drop_postgres_database(name: str) -> None:
    import psycopg

    with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as db:
        db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def own_redis_url() -> str:
    """A Redis database of the app's own, 8 above the suite's (REDIS_URL): suites run side by
    side on databases 0..7 keep apart."""
    import pytest

    redis_url = os.environ.get("REDIS_URL")
    if not redis_url:
        pytest.skip("needs REDIS_URL (make test sets it)")
    parsed = urlparse(redis_url)
    own = (int(parsed.path.strip("/") or 0) + 8) % 16
    return parsed._replace(path=f"/{own}").geturl()


@contextmanager
def live_app_on_postgres_and_redis(data_dir: Path, env: dict[str, str],
                                   seed: AnalysedDemo | None = None) -> Iterator[LiveSquiggle]:
    """runsquiggle on a fresh PostgreSQL database (a copy of `seed`'s) and Redis (broker and
    channel layer), started; stopped and its database dropped afterwards."""
    name = f"squiggle_live_{uuid.uuid4().hex[:10]}"
    redis_url = own_redis_url()
    database_url = create_postgres_database(name, template=seed and seed.database)
    app = LiveSquiggle(data_dir, database_url=database_url, redis_url=redis_url, env=env,
                       seed=seed)
    try:
        with app.running():
            yield app
    finally:
        drop_postgres_database(name)


@contextmanager
def celery_worker_on_test_database(queues: str | None = None, name: str | None = None,
                                   **env: str) -> Iterator[subprocess.Popen]:
    """A real `celery worker` on this pytest session's PostgreSQL test database and Redis,
    the ML stages off unless `env` says otherwise; tasks stop being eager while it runs.
    `name` sets its node name (`name@host`), so several can run side by side."""
    import pytest
    from django.conf import settings

    from reviewapp.celery import app

    if not settings.REDIS_URL or settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        pytest.skip("needs REDIS_URL and a PostgreSQL DATABASE_URL (make test sets both)")
    db = settings.DATABASES["default"]
    url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"
    full_env = {**os.environ, "DATABASE_URL": url, "SQUIGGLE_ANALYSIS_ML": "0",
                "DJANGO_SETTINGS_MODULE": "reviewapp.settings", **env}
    app.control.purge()
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "reviewapp", "worker", "--pool=solo",
         "--concurrency=1", "--loglevel=WARNING", "--without-gossip", "--without-mingle",
         *(["-Q", queues] if queues else []), *(["-n", f"{name}@%h"] if name else [])],
        cwd=ROOT, env=full_env)
    app.conf.task_always_eager = False
    try:
        if name:
            wait_until_worker_answers(app, f"{name}@{socket.gethostname()}", process)
        yield process
    finally:
        process.terminate()
        process.wait(timeout=20)


def wait_until_worker_answers(app, node: str, process: subprocess.Popen,
                              timeout_s: float = 120) -> None:
    """Block until the worker `node` answers a ping: a test that needs several workers to
    share its tasks must not start them while one is still importing (under load that takes
    long enough for the first worker to do all the work alone)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"celery worker {node} exited with {process.returncode}")
        if app.control.ping(destination=[node], timeout=0.5):
            return
    raise TimeoutError(f"celery worker {node} did not answer a ping in {timeout_s:.0f} s")
