"""Hunt pages: the form with its estimate, a hunt run to the end, cancel, open as a review."""

from __future__ import annotations

import pytest

from reviewapp.hunts import services
from reviewapp.hunts.models import BugHunt, Candidate
from reviewapp.reviews.models import ChangeSet

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def local_repository(repository, buggy_project):
    repository.local_path = str(buggy_project)
    repository.save()
    return repository


def test_the_form_shows_an_estimate_before_starting(client, member, local_repository):
    client.force_login(member)
    page = client.get(f"/hunts/repositories/{local_repository.pk}/").content.decode()
    assert "Start the hunt" in page
    assert 'id="estimate-cpu">600<' in page  # 300 s on 2 sandboxes


def test_a_hunt_started_on_the_page_runs_to_a_validated_patch(client, member, local_repository):
    client.force_login(member)
    response = client.post(f"/hunts/repositories/{local_repository.pk}/", {
        "issue_text": "the last element is never returned",
        "test": "test_stats.py::test_last_two", "budget_s": "120"})
    hunt = BugHunt.objects.get()
    assert response.status_code == 302 and response.url == f"/hunts/{hunt.pk}/"
    assert hunt.test_command == "python -m pytest test_stats.py::test_last_two"
    assert hunt.state == BugHunt.FIXED  # tasks run eagerly in tests
    best = hunt.best_candidate()
    assert best.rank == 1 and best.tests_failed == 0
    assert "+    for i in range(len(items) - n, len(items)):" in best.diff
    status = client.get(f"/hunts/{hunt.pk}/status").json()
    assert status["state"] == "fixed" and status["passing"] >= 1 and status["best"] == best.diff
    page = client.get(f"/hunts/{hunt.pk}/").content.decode()
    assert "Open as a review" in page and "Suspicious lines" in page


def test_open_as_review_makes_a_change_set_of_the_patch(client, member, local_repository):
    hunt = BugHunt.objects.create(repository=local_repository, test_command="python -m pytest",
                                  state=BugHunt.FIXED)
    candidate = Candidate.objects.create(
        hunt=hunt, status=Candidate.VALIDATED, stage="inverse", kind="off_by_one",
        path="stats.py", line=4, description="off_by_one", rank=1,
        diff=("diff --git a/stats.py b/stats.py\n--- a/stats.py\n+++ b/stats.py\n"
              "@@ -4 +4 @@\n-    for i in range(len(items) - n, len(items) - 1):\n"
              "+    for i in range(len(items) - n, len(items)):\n"))
    client.force_login(member)
    response = client.post(f"/hunts/{hunt.pk}/candidates/{candidate.pk}/review")
    change_set = ChangeSet.objects.get()
    assert response.status_code == 302 and response.url == change_set.get_absolute_url()
    assert change_set.repository == local_repository
    assert change_set.latest_revision().files.get().path == "stats.py"


def test_cancel_marks_a_running_hunt(client, member, local_repository):
    hunt = BugHunt.objects.create(repository=local_repository, test_command="python -m pytest",
                                  state=BugHunt.RUNNING)
    client.force_login(member)
    assert client.post(f"/hunts/{hunt.pk}/cancel").status_code == 302
    hunt.refresh_from_db()
    assert hunt.cancel_requested


def test_a_queued_hunt_cancelled_before_it_starts_never_runs(member, local_repository):
    from reviewapp.hunts.tasks import run_bug_hunt

    hunt = BugHunt.objects.create(repository=local_repository, test_command="python -m pytest",
                                  cancel_requested=True)
    run_bug_hunt.apply(args=[hunt.pk])
    hunt.refresh_from_db()
    assert hunt.state == BugHunt.CANCELLED and hunt.candidates.count() == 0


def test_bad_input_is_refused_with_a_reason(client, member, repository, local_repository):
    client.force_login(member)
    response = client.post(f"/hunts/repositories/{local_repository.pk}/",
                           {"test": "python -m pytest 'open", "budget_s": "120"})
    assert response.status_code == 400 and "cannot parse" in response.content.decode()
    response = client.post(f"/hunts/repositories/{local_repository.pk}/",
                           {"test": "python -m pytest", "budget_s": "999999"})
    assert response.status_code == 400 and BugHunt.objects.count() == 0


def test_a_repository_without_files_cannot_be_hunted(member, repository):
    repository.local_path = ""
    with pytest.raises(services.HuntRefused, match="no registered local checkout"):
        services.start_hunt(repository, member, "", "python -m pytest", 60)


def test_outsiders_see_nothing(client, outsider, local_repository):
    hunt = BugHunt.objects.create(repository=local_repository, test_command="python -m pytest")
    client.force_login(outsider)
    assert client.get(f"/hunts/{hunt.pk}/").status_code == 404
    assert client.get(f"/hunts/{hunt.pk}/status").status_code == 404
    assert client.get(f"/hunts/repositories/{local_repository.pk}/").status_code == 404
    assert client.post(f"/hunts/{hunt.pk}/cancel").status_code == 404


def test_a_hunt_whose_worker_died_ends_as_an_error(local_repository):
    from datetime import timedelta

    from django.utils import timezone

    long_ago = timezone.now() - timedelta(seconds=60 + services.ABANDONED_AFTER_BUDGET_S + 5)
    dead = BugHunt.objects.create(repository=local_repository, test_command="python -m pytest",
                                  budget_s=60, state=BugHunt.RUNNING, started_at=long_ago)
    alive = BugHunt.objects.create(repository=local_repository, test_command="python -m pytest",
                                   budget_s=60, state=BugHunt.RUNNING, started_at=timezone.now())
    assert services.fail_abandoned_hunts() == 1
    dead.refresh_from_db()
    alive.refresh_from_db()
    assert dead.state == BugHunt.ERROR and "worker running this hunt stopped" in dead.message
    assert alive.state == BugHunt.RUNNING
