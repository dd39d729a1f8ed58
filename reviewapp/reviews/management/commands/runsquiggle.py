"""Serve Squiggle: the ASGI app (daphne) plus a supervised local Celery worker, until Ctrl-C.

The web app runs in several daphne processes sharing one listening socket (SQUIGGLE_WEB_PROCESSES,
`--web-processes`): Django's views are synchronous Python, so one process renders one page at a
time however many threads it has, and a reviewer opening a large review would make every other
request wait behind it.

The worker is watched: when it dies it is restarted (and says so on stderr); when it keeps dying
the whole server stops with a non-zero exit instead of serving a review page with no analysis
behind it. Jobs a dead worker left are requeued by the stale-job sweep this command runs.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from reviewapp.hunts.services import fail_abandoned_hunts
from reviewapp.reviews import jobs

#: Seconds the web processes and the worker get to exit after Ctrl-C, all together.
STOP_GRACE_S = 10.0
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
        parser.add_argument("--web-processes", type=int, default=None,
                            help="daphne processes serving the port (default: "
                                 "SQUIGGLE_WEB_PROCESSES)")
        parser.add_argument("--proxy-headers", action="store_true",
                            help="behind a proxy: the client's address from X-Forwarded-For")

    def handle(self, *args, host: str, port: int, no_worker: bool, web_processes: int | None,
               proxy_headers: bool, **options) -> None:
        if web_processes is None:
            web_processes = settings.SQUIGGLE["WEB_PROCESSES"]
        if web_processes < 1:
            raise CommandError("--web-processes must be at least 1")
        env = dict(os.environ, DJANGO_SETTINGS_MODULE="reviewapp.settings")
        signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)
        # Ctrl-C too, explicitly: started from a script's background job (`cmd &`), this
        # process inherits SIGINT ignored and would only stop when killed.
        signal.signal(signal.SIGINT, _raise_keyboard_interrupt)
        if not no_worker:
            # This command owns the only local worker: whatever is still "running" from before
            # it started and has missed a few heartbeats was left by a dead worker.
            heartbeat = settings.SQUIGGLE["JOB_HEARTBEAT_S"]
            jobs.requeue_stale_jobs(stale_s=3 * heartbeat)
        daphne = [sys.executable, "-m", "daphne", *(["--proxy-headers"] if proxy_headers else [])]
        listener = _listen(host, port) if ":" not in host else None
        if listener is None:
            # daphne adopts only IPv4 sockets (`--fd`): on IPv6 one process binds by itself.
            self.webs = [subprocess.Popen([*daphne, "-b", host, "-p", str(port),
                                           "reviewapp.asgi:application"], env=env)]
        else:
            self.webs = [_start_web(daphne, env, listener) for _ in range(web_processes)]
        # The current worker (a restart replaces it): what Ctrl-C must stop.
        self.worker = None if no_worker else _start_worker(env)
        self.stdout.write(f"Squiggle is serving http://{host}:{port}/ (Ctrl-C stops it)")
        try:
            self._supervise(env)
        except KeyboardInterrupt:
            pass
        finally:
            _stop(*self.webs, self.worker)
            if listener is not None:
                listener.close()

    def _supervise(self, env: dict) -> None:
        sweep_every = max(1.0, settings.SQUIGGLE["JOB_STALE_S"] / 4)
        next_sweep = time.monotonic() + sweep_every
        deaths: list[float] = []
        while True:
            time.sleep(0.5)
            worker = self.worker
            for web in self.webs:
                if web.poll() is not None:
                    raise CommandError(f"a web server process exited with code {web.returncode}")
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


def _listen(host: str, port: int) -> socket.socket:
    try:
        return socket.create_server((host, port), backlog=1024)
    except OSError as exc:
        raise CommandError(f"cannot listen on {host}:{port}: {exc.strerror}") from exc


def _start_web(daphne: list[str], env: dict, listener: socket.socket) -> subprocess.Popen:
    """A daphne process accepting on the shared `listener` (the kernel spreads connections)."""
    fd = listener.fileno()
    return subprocess.Popen([*daphne, "--fd", str(fd), "reviewapp.asgi:application"], env=env,
                            pass_fds=(fd,))


def _start_worker(env: dict) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "reviewapp", "worker", "--loglevel=INFO",
         "--concurrency=1", "--pool=solo", "--without-gossip", "--without-mingle",
         "-Q", worker_queues()], env=env)


def _stop(*processes: subprocess.Popen | None) -> None:
    """SIGTERM to all, then one shared grace period: each daphne waits up to its application
    close timeout for open websockets, so waiting for the processes one by one made Ctrl-C
    take that long per process (about 30 s with three)."""
    running = [p for p in processes if p is not None and p.poll() is None]
    for process in running:
        process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + STOP_GRACE_S
    for process in running:
        try:
            process.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _raise_keyboard_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt
