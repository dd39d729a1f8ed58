"""The analysis task's tests stage on stored revisions: the change's own tests run at the head of
a registered checkout (PostgreSQL via DATABASE_URL, real git, real sandbox); pull requests run
them only when their repository opts in."""

from __future__ import annotations

import pytest

from reviewapp.findings.checkout import ArchiveCheckout
from reviewapp.ingest.parser import parse_diff
from reviewapp.repo_config import RepoConfig
from reviewapp.reviews import analysis
from reviewapp.reviews.checkouts import head_checkout
from reviewapp.reviews.models import AnalysisJob, ChangeSet, Finding, Repository, Revision
from reviewapp.reviews.services import DiffInput, create_change_set, store_revision

pytestmark = pytest.mark.django_db

TEST_DIFF = ("diff --git a/tests/test_calc.py b/tests/test_calc.py\n--- a/tests/test_calc.py\n"
             "+++ b/tests/test_calc.py\n@@ -1,2 +1,3 @@\n def test_add():\n"
             "     assert 1 + 1 == 2\n+    assert 2 + 2 == 4\n")


def stage_names(revision: Revision) -> list[str]:
    return [name for name, _ in analysis.stages(revision)]


def test_the_demo_review_of_a_registered_checkout_shows_the_proved_finding(
        repository, member, tmp_path, temp_repo_roots, django_capture_on_commit_callbacks):
    """The Celery path on the demo: the tests stage runs after bug detection, stores the `>=`
    finding (origin tests), and on a rerun replaces a learned finding on the same line instead
    of showing two; reruns never duplicate."""
    from reviewapp.reviews.management.commands.bootstrap_demo import build_demo_repository

    repo = tmp_path / "shop"
    range_spec = build_demo_repository(repo)
    repository.local_path = str(repo)
    repository.save()
    with django_capture_on_commit_callbacks(execute=True):
        revision = create_change_set(repository, "Demo", member,
                                     DiffInput(repo_dir=str(repo), range_spec=range_spec))
    job = revision.jobs.get()
    assert job.state == AnalysisJob.DONE and "tests" in job.timings
    [proved] = Finding.objects.filter(revision=revision)
    assert (proved.origin, proved.path, proved.line, proved.replacement) == (
        "tests", "shop/prices.py", 22, ">=")
    assert not [w for w in Revision.objects.get(pk=revision.pk).warnings
                if w.startswith("tests: ")]

    Finding.objects.create(revision=revision, file=proved.file, line=22, end_line=22, column=7,
                           end_column=15, kind="variable_misuse", message="learned",
                           probability=0.3, severity="low", origin="bugmodel")
    analysis.run_change_tests(analysis.load_revision(revision))
    assert list(Finding.objects.filter(revision=revision).values_list("origin", "line")) == [
        ("tests", 22)]


def test_a_local_repository_turning_tests_off_lists_no_tests_stage(repository, member,
                                                                    tmp_path, temp_repo_roots):
    from reviewapp.reviews.management.commands.bootstrap_demo import build_demo_repository

    repo = tmp_path / "shop"
    range_spec = build_demo_repository(repo)
    repository.local_path = str(repo)
    repository.save()
    revision = create_change_set(repository, "Demo", member,
                                 DiffInput(repo_dir=str(repo), range_spec=range_spec))
    assert "tests" in stage_names(revision)
    revision.config = {"stages": {"tests": False}}
    assert "tests" not in stage_names(revision)


def test_a_pasted_diff_has_no_head_and_no_tests_stage(repository, member):
    revision = create_change_set(repository, "Pasted", member, DiffInput(diff=TEST_DIFF.encode()))
    assert head_checkout(revision) is None and "tests" not in stage_names(revision)


@pytest.mark.parametrize(("config", "listed"), [
    (RepoConfig(), False),
    (RepoConfig(stages={"tests": True}), True),
])
def test_a_pull_request_runs_its_tests_only_when_its_repository_opts_in(config, listed):
    """A pull request's code may come from anyone: its head (GitHub's tarball, fetched only
    when the stage runs) is untrusted, so the stage needs `[stages] tests = true`."""
    repository = Repository.objects.create(provider=Repository.GITHUB, full_name="acme/widgets")
    change_set = ChangeSet.objects.create(repository=repository, kind=ChangeSet.PULL_REQUEST,
                                          number=7, title="#7")
    parsed = parse_diff(TEST_DIFF)
    parsed.head_sha = "a" * 40
    revision = store_revision(change_set, parsed, Revision.GITHUB, config)
    checkout = head_checkout(revision)
    assert isinstance(checkout, ArchiveCheckout) and not checkout.trusted
    assert ("tests" in stage_names(revision)) is listed
