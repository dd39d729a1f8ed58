"""A running Squiggle (runsquiggle) on SQLite or on PostgreSQL + Redis, for end-to-end tests."""

from __future__ import annotations

import os
import uuid
from urllib.parse import urlparse

import pytest

from tests.live_squiggle import LiveSquiggle

# Fast failure detection for the tests; production defaults are 5 s / 60 s.
FAST_JOBS = {"SQUIGGLE_JOB_HEARTBEAT_S": "1", "SQUIGGLE_JOB_STALE_S": "4"}


def _postgres_database(name: str) -> str:
    """A fresh PostgreSQL database next to the test database; its URL."""
    import psycopg

    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith("postgres"):
        pytest.skip("needs a PostgreSQL DATABASE_URL (make test sets it)")
    with psycopg.connect(base, autocommit=True) as db:
        db.execute(f'CREATE DATABASE "{name}"')
    return urlparse(base)._replace(path=f"/{name}").geturl()


def _drop_postgres_database(name: str) -> None:
    import psycopg

    with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as db:
        db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# The LM stage is off by default (benchmarks/README.md); on here so every stage runs.
EVERY_STAGE = {"SQUIGGLE_ANALYSIS_ML": "1", "SQUIGGLE_IMPORTANCE": '{"use_lm": true}'}


@pytest.fixture(params=["sqlite", "postgres"])
def live_app(request, tmp_path):
    """runsquiggle with every analysis stage, on the embedded SQLite default or on
    PostgreSQL + Redis; stopped (and its database dropped) afterwards."""
    env = {**EVERY_STAGE, **FAST_JOBS}
    database_url = redis_url = None
    name = f"squiggle_live_{uuid.uuid4().hex[:10]}"
    if request.param == "postgres":
        redis_url = os.environ.get("REDIS_URL")
        if not redis_url:
            pytest.skip("needs REDIS_URL (make test sets it)")
        # A broker of its own, 8 databases above the suite's: suites run side by side on
        # Redis databases 0..7 keep apart.
        parsed = urlparse(redis_url)
        own = (int(parsed.path.strip("/") or 0) + 8) % 16
        redis_url = parsed._replace(path=f"/{own}").geturl()
        database_url = _postgres_database(name)
    app = LiveSquiggle(tmp_path / "data", database_url=database_url, redis_url=redis_url, env=env)
    try:
        app.prepare()
        app.start()
        yield app
    finally:
        app.stop()
        if database_url:
            _drop_postgres_database(name)


@pytest.fixture
def embedded_app(tmp_path):
    """runsquiggle on the embedded default (SQLite, filesystem broker), every stage on."""
    app = LiveSquiggle(tmp_path / "data", env={**EVERY_STAGE, **FAST_JOBS})
    app.prepare()
    try:
        app.start()
        yield app
    finally:
        app.stop()


@pytest.fixture
def app_on_private_services(tmp_path):
    """runsquiggle (every stage) on a PostgreSQL and a Redis of this test's own, which the test
    may restart: (app, postgres, redis)."""
    from tests.private_services import PrivatePostgres, PrivateRedis

    postgres, redis = PrivatePostgres(), PrivateRedis(tmp_path / "redis")
    app = None
    try:
        postgres.start()
        redis.start()
        app = LiveSquiggle(tmp_path / "data", database_url=postgres.create_database("squiggle"),
                           redis_url=redis.url, env={**EVERY_STAGE, **FAST_JOBS})
        app.prepare()
        app.start()
        yield app, postgres, redis
    finally:
        if app is not None:
            app.stop()
        redis.stop()
        postgres.remove()
