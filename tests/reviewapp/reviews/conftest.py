"""A running Squiggle (runsquiggle) on SQLite or on PostgreSQL + Redis, for end-to-end tests."""

from __future__ import annotations

import pytest

from tests.live_squiggle import EVERY_STAGE, LiveSquiggle, live_app_on_postgres_and_redis

# Fast failure detection for the tests; production defaults are 5 s / 60 s.
FAST_JOBS = {"SQUIGGLE_JOB_HEARTBEAT_S": "1", "SQUIGGLE_JOB_STALE_S": "4"}


@pytest.fixture(params=["sqlite", "postgres"])
def live_app(request, tmp_path):
    """runsquiggle with every analysis stage, on the embedded SQLite default or on
    PostgreSQL + Redis, its demo already analysed; stopped (and its database dropped)
    afterwards."""
    env = {**EVERY_STAGE, **FAST_JOBS}
    if request.param == "postgres":
        seed = request.getfixturevalue("analysed_demo_on_postgres")
        with live_app_on_postgres_and_redis(tmp_path / "data", env, seed) as app:
            yield app
        return
    seed = request.getfixturevalue("analysed_demo")
    with LiveSquiggle(tmp_path / "data", env=env, seed=seed).running() as app:
        yield app


@pytest.fixture
def embedded_app(tmp_path, analysed_demo):
    """runsquiggle on the embedded default (SQLite, filesystem broker), every stage on, its
    demo already analysed."""
    with LiveSquiggle(tmp_path / "data", env={**EVERY_STAGE, **FAST_JOBS},
                      seed=analysed_demo).running() as app:
        yield app


@pytest.fixture
def app_on_private_services(tmp_path, analysed_demo_on_postgres):
    """runsquiggle (every stage) on a PostgreSQL and a Redis of this test's own, which the test
    may restart: (app, postgres, redis), its demo already analysed. The bug model's threshold is
    0, so every analysed function gets a finding: rows that a restart could lose or store
    twice."""
    from tests.private_services import PrivatePostgres, PrivateRedis

    seed = analysed_demo_on_postgres
    postgres, redis = PrivatePostgres(), PrivateRedis(tmp_path / "redis")
    try:
        postgres.start()
        redis.start()
        database_url = postgres.create_database("squiggle", copy_of=seed.database_url)
        app = LiveSquiggle(tmp_path / "data", database_url=database_url, redis_url=redis.url,
                           env={**EVERY_STAGE, **FAST_JOBS, "SQUIGGLE_BUG_THRESHOLD": "0"},
                           seed=seed)
        with app.running():
            yield app, postgres, redis
    finally:
        redis.stop()
        postgres.remove()
