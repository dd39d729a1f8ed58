"""Shared fixtures: users, repositories, and a demo change made with real git."""

from __future__ import annotations

from pathlib import Path

import pytest

SAMPLE_DIFF = (Path(__file__).parent / "data" / "sample.diff").read_text()


@pytest.fixture
def sample_diff() -> str:
    return SAMPLE_DIFF


@pytest.fixture(autouse=True)
def _celery_eager(request):
    """Tasks run inline unless a test starts a real worker; models only for `ml` tests."""
    from django.conf import settings

    from reviewapp.celery import app

    overrides = {}
    if request.node.get_closest_marker("ml") is None:
        overrides["ANALYSIS_ML"] = False
    if request.node.get_closest_marker("django_db") is not None:
        # An eager task inside a test's transaction: a heartbeat from another connection would
        # wait on the rows that transaction holds.
        overrides["JOB_HEARTBEAT_S"] = 3600
    if overrides:
        request.getfixturevalue("settings").SQUIGGLE = {**settings.SQUIGGLE, **overrides}
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


@pytest.fixture
def member(django_user_model):
    return django_user_model.objects.create_user("alice", password="alice-password-1")


@pytest.fixture
def outsider(django_user_model):
    return django_user_model.objects.create_user("mallory", password="mallory-password-1")


@pytest.fixture
def repository(member):
    from reviewapp.reviews.models import Repository

    repo = Repository.objects.create(full_name="acme/shop")
    repo.members.add(member)
    return repo


@pytest.fixture
def review(repository, member, sample_diff):
    """A stored change set with one revision of SAMPLE_DIFF."""
    from reviewapp.reviews.services import DiffInput, create_change_set

    return create_change_set(repository, "Order totals", member,
                             DiffInput(diff=sample_diff.encode()))


@pytest.fixture
def price_finding(review):
    """A finding on the review's `item.price` (pkg/models.py line 6) that suggests `cost`."""
    from reviewapp.reviews.models import Finding

    file = review.files.get(path="pkg/models.py")
    return Finding.objects.create(revision=review, file=file, line=6, end_line=6, column=19,
                                  end_column=29, kind="wrong_attribute", probability=0.8,
                                  severity="high", message="`price` may be `cost`",
                                  replacement="cost")


@pytest.fixture
def temp_repo_roots(settings, tmp_path_factory):
    """Registered checkouts may live in pytest's temporary folders (SQUIGGLE_REPO_ROOTS)."""
    root = str(tmp_path_factory.getbasetemp())
    settings.SQUIGGLE = {**settings.SQUIGGLE,
                         "REPO_ROOTS": [*settings.SQUIGGLE["REPO_ROOTS"], root]}
    return root


@pytest.fixture(scope="session")
def analysed_demo(tmp_path_factory):
    """A `make run`'s SQLite data after its first start, for live apps to start from."""
    from tests.live_squiggle import analyse_demo

    return analyse_demo(tmp_path_factory.mktemp("analysed-demo") / "data")


@pytest.fixture(scope="session")
def analysed_demo_on_postgres(analysed_demo):
    """The same data on PostgreSQL: a database live apps' databases are copies of."""
    from tests.live_squiggle import copy_demo_to_postgres, drop_postgres_database

    demo = copy_demo_to_postgres(analysed_demo)
    yield demo
    drop_postgres_database(demo.database)
