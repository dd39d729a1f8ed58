"""A PostgreSQL and a Redis of a test's own, in a temporary folder, that it may restart at will.

The machine's own services are shared and never restarted by a test; these are started from the
same binaries on free ports and removed afterwards. A test skips when the binaries are missing.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from tests.live_squiggle import free_port

PG_BIN = Path(os.environ.get("SQUIGGLE_PG_BIN", "/usr/lib/postgresql/15/bin"))


class PrivatePostgres:
    """`initdb` + `pg_ctl` in a temporary folder of its own (its server user must reach it,
    so not under a root-only pytest folder), on 127.0.0.1 on a free port, trust auth."""

    def __init__(self) -> None:
        if not (PG_BIN / "initdb").exists() or not (PG_BIN / "pg_ctl").exists():
            pytest.skip(f"PostgreSQL server binaries not found in {PG_BIN} (SQUIGGLE_PG_BIN)")
        self._as = self._server_user()
        self.folder = Path(tempfile.mkdtemp(prefix="squiggle-pg-"))
        if self._as:
            shutil.chown(self.folder, "postgres", "postgres")
        self.data = self.folder / "data"
        self.port = free_port()

    @staticmethod
    def _server_user() -> list[str]:
        """PostgreSQL refuses to run as root: as root, run it as the `postgres` user."""
        if os.geteuid() != 0:
            return []
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root without a `postgres` user to run PostgreSQL as")
        return ["runuser", "-u", "postgres", "--"]

    def _pg(self, *args: str, timeout: float = 120) -> None:
        done = subprocess.run([*self._as, *args], capture_output=True, text=True,
                              timeout=timeout)
        assert done.returncode == 0, f"{args[0]} failed: {done.stderr[-2000:]}{self.log()}"

    def start(self) -> None:
        if not self.data.exists():
            self._pg(str(PG_BIN / "initdb"), "-D", str(self.data), "-A", "trust", "-U",
                     "postgres", "--no-sync", "-E", "UTF8")
        self._pg(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.folder / "log"),
                 "-w", "-o", f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 "
                 "-c fsync=off", "start")

    def restart(self, down_s: float = 0.0) -> None:
        """Stop (fast: every connection is cut, as a crash or an upgrade would), stay down
        `down_s` seconds, start again."""
        self.stop(mode="fast")
        time.sleep(down_s)
        self.start()

    def stop(self, mode: str = "immediate") -> None:
        if (self.data / "postmaster.pid").exists():
            self._pg(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")

    def remove(self) -> None:
        """Stop it and delete its folder."""
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)

    def create_database(self, name: str, copy_of: str | None = None) -> str:
        """A new database; with `copy_of` (another server's database URL), its tables and rows
        (pg_dump into psql)."""
        import psycopg

        with psycopg.connect(self.url("postgres"), autocommit=True) as db:
            db.execute(f'CREATE DATABASE "{name}"')
        if copy_of:
            dump = subprocess.run([str(PG_BIN / "pg_dump"), "--no-owner", "--no-privileges",
                                   copy_of], capture_output=True, text=True, check=True)
            subprocess.run([str(PG_BIN / "psql"), "-q", "-v", "ON_ERROR_STOP=1", self.url(name)],
                           input=dump.stdout, capture_output=True, text=True, check=True)
        return self.url(name)

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def log(self) -> str:
        log = self.folder / "log"
        return log.read_text()[-2000:] if log.exists() else ""


class PrivateRedis:
    """`redis-server` on a free port, with an append-only file in `folder` (what a production
    Redis keeps across a restart)."""

    def __init__(self, folder: Path) -> None:
        self.binary = shutil.which("redis-server")
        if self.binary is None:
            pytest.skip("redis-server not found")
        self.folder = folder
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        import redis

        self.folder.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "yes", "--appendfsync", "always", "--dir", str(self.folder)],
            stdout=(self.folder / "log").open("a"), stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                redis.Redis.from_url(self.url).ping()
                return
            except redis.ConnectionError:
                assert self.process.poll() is None, (self.folder / "log").read_text()[-2000:]
                time.sleep(0.1)
        raise AssertionError("redis-server did not answer within 30 s")

    def restart(self, down_s: float = 0.0) -> None:
        self.stop()
        time.sleep(down_s)
        self.start()

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=30)
            self.process = None
