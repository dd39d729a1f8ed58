"""Serve Squiggle: the ASGI app (daphne) plus a supervised local Celery worker, until Ctrl-C.

The worker is watched: when it dies it is restarted (and says so on stderr); when it keeps dying
the whole server stops with a non-zero exit instead of serving a review page with no analysis
behind it. Jobs a dead worker left are requeued by the stale-job sweep this command runs.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from reviewapp.hunts.services import fail_abandoned_hunts
from reviewapp.reviews import jobs

# More worker deaths than this within RESTART_WINDOW_S means something is broken for good.
MAX_RESTARTS = 5
RESTART_WINDOW_S = 120.0


class Command(BaseCommand):
    help = "Start the web app and a supervised analysis worker (the embedded default set-up)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--no-worker", action="store_true",
                            help="do not start a Celery worker (one runs elsewhere)")

    def handle(self, *args, host: str, port: int, no_worker: bool, **options) -> None:
        env = dict(os.environ, DJANGO_SETTINGS_MODULE="reviewapp.settings")
        signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)
        if not no_worker:
            # This command owns the only local worker: whatever is still "running" from before
            # it started and has missed a few heartbeats was left by a dead worker.
            heartbeat = settings.SQUIGGLE["JOB_HEARTBEAT_S"]
            jobs.requeue_stale_jobs(stale_s=3 * heartbeat)
        self.web = subprocess.Popen(
            [sys.executable, "-m", "daphne", "-b", host, "-p", str(port),
             "reviewapp.asgi:application"], env=env)
        # The current worker (a restart replaces it): what Ctrl-C must stop.
        self.worker = None if no_worker else _start_worker(env)
        self.stdout.write(f"Squiggle is serving http://{host}:{port}/ (Ctrl-C stops it)")
        try:
            self._supervise(env)
        except KeyboardInterrupt:
            pass
        finally:
            _stop(self.web, self.worker)

    def _supervise(self, env: dict) -> None:
        sweep_every = max(1.0, settings.SQUIGGLE["JOB_STALE_S"] / 4)
        next_sweep = time.monotonic() + sweep_every
        deaths: list[float] = []
        while True:
            time.sleep(0.5)
            web, worker = self.web, self.worker
            if web.poll() is not None:
                raise CommandError(f"the web server exited with code {web.returncode}")
            if worker is not None and worker.poll() is not None:
                now = time.monotonic()
                deaths = [t for t in deaths if now - t < RESTART_WINDOW_S] + [now]
                if len(deaths) > MAX_RESTARTS:
                    raise CommandError(
                        f"the analysis worker died {len(deaths)} times in "
                        f"{RESTART_WINDOW_S:.0f} s (last exit code {worker.returncode}); "
                        "stopping. Its log is above.")
                self.stderr.write(f"the analysis worker exited with code {worker.returncode}; "
                                  f"restarting it ({len(deaths)} of {MAX_RESTARTS})")
                self.worker = _start_worker(env)
            if time.monotonic() >= next_sweep:
                next_sweep = time.monotonic() + sweep_every
                try:
                    jobs.requeue_stale_jobs()
                    fail_abandoned_hunts()
                except Exception as exc:  # the database may be briefly busy: try next time
                    self.stderr.write(f"stale-job sweep failed: {exc}")


def worker_queues() -> str:
    """Every queue the embedded worker serves: Celery's default, hunts and, when it has one of
    its own (SQUIGGLE_ANALYSIS_QUEUE), the analysis queue."""
    return ",".join(dict.fromkeys(["celery", "hunts", settings.ANALYSIS_QUEUE]))


def _start_worker(env: dict) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "reviewapp", "worker", "--loglevel=INFO",
         "--concurrency=1", "--pool=solo", "--without-gossip", "--without-mingle",
         "-Q", worker_queues()], env=env)


def _stop(*processes: subprocess.Popen | None) -> None:
    running = [p for p in processes if p is not None and p.poll() is None]
    for process in running:
        process.send_signal(signal.SIGTERM)
    for process in running:
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _raise_keyboard_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt
