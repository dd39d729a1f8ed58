"""Serve Squiggle: the ASGI app (daphne) plus a local Celery worker, until Ctrl-C."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Start the web app and a local analysis worker (the embedded default set-up)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--no-worker", action="store_true",
                            help="do not start a Celery worker (one runs elsewhere)")

    def handle(self, *args, host: str, port: int, no_worker: bool, **options) -> None:
        env = dict(os.environ, DJANGO_SETTINGS_MODULE="reviewapp.settings")
        processes = []
        if not no_worker:
            processes.append(subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "reviewapp", "worker",
                 "--loglevel=INFO", "--concurrency=1", "--pool=solo"], env=env))
        web = subprocess.Popen(
            [sys.executable, "-m", "daphne", "-b", host, "-p", str(port),
             "reviewapp.asgi:application"], env=env)
        processes.append(web)
        self.stdout.write(f"Squiggle is serving http://{host}:{port}/ (Ctrl-C stops it)")
        try:
            web.wait()
        except KeyboardInterrupt:
            pass
        finally:
            for process in processes:
                if process.poll() is None:
                    process.send_signal(signal.SIGTERM)
            for process in processes:
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
