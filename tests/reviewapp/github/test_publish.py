"""Posting back, in one process (tasks run inline behind the live app): crash recovery, batches,
configuration, limits, drafts, personal-token mode. Findings come from the real bug model."""

from __future__ import annotations

import logging

import pytest

from reviewapp.github.models import PostedFinding, PullRequestAnalysis
from reviewapp.github.tasks import publish_analysis
from reviewapp.reviews.models import Finding

from .conftest import REPO, deliver, pull_request_payload
from .test_pull_request_flow import BASE, HEAD

pytestmark = [pytest.mark.integration, pytest.mark.ml, pytest.mark.django_db(transaction=True)]

NO_LM = '[stages]\nimportance_lm = false\n'  # the bug model only: fast, and checks [stages]


def review_pull_request(live_server, fake, base=None, head=None, *, number: int = 1,
                        action: str = "opened", **kwargs) -> PullRequestAnalysis:
    base = {".squiggle.toml": NO_LM, **BASE} if base is None else base
    fake.open_pull_request(REPO, number, base, HEAD if head is None else head, **kwargs)
    response = deliver(live_server.url, "pull_request",
                       pull_request_payload(fake, number, action))
    assert response.status_code == 202, response.text
    return PullRequestAnalysis.objects.get(number=number)


def test_a_crash_after_the_review_post_resumes_without_a_duplicate(live_server, connected,
                                                                   fake_github):
    analysis = review_pull_request(live_server, fake_github)
    assert analysis.state == PullRequestAnalysis.DONE
    assert len(fake_github.submitted_reviews(REPO, 1)) == 1
    # As if the worker died after GitHub accepted the review, before recording it.
    PullRequestAnalysis.objects.filter(pk=analysis.pk).update(
        state=PullRequestAnalysis.ANALYSING, review_state=PullRequestAnalysis.POSTING,
        review_id=None, check_state=PullRequestAnalysis.COMPLETING)
    publish_analysis.apply(args=[analysis.pk])
    analysis.refresh_from_db()
    assert analysis.state == PullRequestAnalysis.DONE and analysis.review_id
    assert len(fake_github.submitted_reviews(REPO, 1)) == 1
    run = next(iter(fake_github.check_runs.values()))
    assert len(fake_github.check_runs) == 1
    assert len(run["annotations"]) == analysis.revision.findings.count()


def test_a_crash_after_creating_the_check_run_finds_it_again(live_server, connected,
                                                             fake_github):
    from reviewapp.github import publish
    from reviewapp.github.tasks import client_for

    analysis = review_pull_request(live_server, fake_github)
    PullRequestAnalysis.objects.filter(pk=analysis.pk).update(
        check_state=PullRequestAnalysis.POSTING, check_run_id=None)
    analysis.refresh_from_db()
    publish.start_check_run(client_for(analysis.repository), analysis)
    assert len(fake_github.check_runs) == 1
    assert analysis.check_run_id == next(iter(fake_github.check_runs))


def publish_again(analysis: PullRequestAnalysis, fake_github, findings: list[Finding]) -> dict:
    """Replace the analysis's findings with `findings` and publish its check run anew."""
    from reviewapp.github import publish
    from reviewapp.github.tasks import client_for

    analysis.revision.findings.all().delete()
    Finding.objects.bulk_create(findings)
    PullRequestAnalysis.objects.filter(pk=analysis.pk).update(
        check_state=PullRequestAnalysis.NOT_STARTED, check_run_id=None,
        annotation_batches_sent=0)
    analysis.refresh_from_db()
    publish.publish(client_for(analysis.repository), analysis)
    return fake_github.check_runs[analysis.check_run_id]


def test_annotations_go_in_batches_of_at_most_fifty(live_server, connected, fake_github):
    analysis = review_pull_request(live_server, fake_github)
    stack = analysis.revision.files.get(path="widgets/stack.py")
    run = publish_again(analysis, fake_github, [
        Finding(revision=analysis.revision, file=stack, line=1 + i % 14, end_line=1 + i % 14,
                column=i, end_column=i + 1, kind="literal", message="m", probability=0.9,
                replacement="x") for i in range(120)])
    total = analysis.revision.findings.count()
    assert len(run["annotations"]) == total > 100
    sizes = [len(c.body["output"]["annotations"]) for c in fake_github.calls_to(
        "PATCH", rf"/check-runs/{analysis.check_run_id}$")]
    assert max(sizes) <= 50 and sum(sizes) == total and len(sizes) == -(-total // 50)
    assert run["status"] == "completed"


def test_no_findings_give_a_check_run_and_no_review(live_server, connected, fake_github):
    head = {**BASE, "widgets/sizes.py": BASE["widgets/sizes.py"] + "\n\nUNIT = 'cm'\n"}
    analysis = review_pull_request(live_server, fake_github, head=head)
    assert analysis.revision.findings.count() == 0
    assert fake_github.submitted_reviews(REPO, 1) == []
    run = fake_github.check_runs[analysis.check_run_id]
    assert run["status"] == "completed" and run["conclusion"] == "success"
    assert run["output"]["title"] == "No likely bugs"


def test_hints_alone_do_not_set_the_conclusion(live_server, connected, fake_github, settings):
    settings.SQUIGGLE_GITHUB = {**settings.SQUIGGLE_GITHUB, "CONCLUSION": "failure"}
    analysis = review_pull_request(live_server, fake_github)
    stack = analysis.revision.files.get(path="widgets/stack.py")
    run = publish_again(analysis, fake_github, [
        Finding(revision=analysis.revision, file=stack, line=3, end_line=3, column=4,
                end_column=8, kind="literal", message="m", probability=0.1, severity="low",
                replacement="None")])
    assert run["conclusion"] == "success" and run["output"]["title"] == "1 hint and no likely bug"
    assert "**0 likely bugs** (0 high, 0 medium) and 1 hints" in run["output"]["summary"]


def test_a_deleted_module_still_imported_is_a_note_of_the_check_run(live_server, connected,
                                                                      fake_github):
    base = {".squiggle.toml": NO_LM, **BASE,
            "widgets/shapes.py": "from widgets.sizes import area\n\n\nSQUARE = area(1, 1)\n"}
    head = {path: text for path, text in base.items() if path != "widgets/sizes.py"}
    analysis = review_pull_request(live_server, fake_github, base=base, head=head)
    summary = fake_github.check_runs[analysis.check_run_id]["output"]["summary"]
    assert ("**Notes:**\n- imports: `widgets/shapes.py` line 1 still imports `area` from "
            "`widgets.sizes`, which this change deletes") in summary


def test_configuration_at_the_base_commit_applies_and_errors_are_reported(
        live_server, connected, fake_github):
    base = {**BASE, ".squiggle.toml": NO_LM + '[review]\nthreshold = 2\nignore = ["docs/**"]\n'
                                               'colour = "red"\n'}
    head = {**HEAD, "docs/guide.md": "# Guide\n",
            # The PR cannot loosen its own review: its head's configuration is not read.
            ".squiggle.toml": '[review]\nignore = ["widgets/**"]\n'}
    analysis = review_pull_request(live_server, fake_github, base=base, head=head)
    paths = set(analysis.revision.files.values_list("path", flat=True))
    assert "docs/guide.md" not in paths and "widgets/stack.py" in paths
    assert "importance (language model)" not in analysis.revision.jobs.get().timings
    summary = fake_github.check_runs[analysis.check_run_id]["output"]["summary"]
    assert "line 4" in summary and "review.threshold" in summary
    assert "line 6" in summary and "review.colour" in summary


def test_one_repositorys_configuration_does_not_leak_into_another(live_server, connected,
                                                                  fake_github, app_key):
    from reviewapp.github.connect import connect_repository

    connect_repository("acme/other", app_id=4242, installation_id=777,
                       private_key_path=app_key["path"], webhook_secret="s2")
    fake_github.open_pull_request("acme/other", 5, {".squiggle.toml": NO_LM, **BASE}, HEAD)
    review_pull_request(live_server, fake_github,
                        base={**BASE, ".squiggle.toml": NO_LM + '[review]\nignore = ["**"]\n'})
    other = {**pull_request_payload(fake_github, 1, "opened"), "number": 5,
             "repository": {"full_name": "acme/other"}}
    other["pull_request"] = {**other["pull_request"], "number": 5,
                             "head": {"sha": fake_github.pulls[("acme/other", 5)].head_sha}}
    assert deliver(live_server.url, "pull_request", other, secret="s2").status_code == 202
    analysis = PullRequestAnalysis.objects.get(repository__full_name="acme/other")
    assert analysis.revision.files.filter(path="widgets/stack.py").exists()
    assert analysis.revision.repo_config.ignore == []


def test_a_pull_request_past_the_limits_names_every_file_left_out(live_server, connected,
                                                                  fake_github, settings):
    settings.SQUIGGLE_GITHUB = {**settings.SQUIGGLE_GITHUB, "MAX_FILES": 3}
    fake_github.max_diff_files = 2  # GitHub's "diff too large" answer for the .diff
    head = {**HEAD, **{f"data/f{i}.txt": f"{i}\n" for i in range(4)}}
    analysis = review_pull_request(live_server, fake_github, head=head)
    assert fake_github.calls_to("GET", r"/pulls/1/files$")
    kept = set(analysis.revision.files.values_list("path", flat=True))
    left = {item["path"] for item in analysis.left_out}
    assert len(kept) == 3 and len(left) == 4 and not kept & left
    review = fake_github.submitted_reviews(REPO, 1)[0]
    assert all(f"`{path}`: past the 3-file limit" in review["body"] for path in left)


def test_drafts_are_skipped_unless_configured(live_server, connected, fake_github):
    analysis = review_pull_request(live_server, fake_github, draft=True)
    assert analysis.state == PullRequestAnalysis.SKIPPED and analysis.revision is None
    run = fake_github.check_runs[analysis.check_run_id]
    assert run["conclusion"] == "skipped" and "Draft" in run["output"]["summary"]
    assert fake_github.submitted_reviews(REPO, 1) == []
    configured = {".squiggle.toml": NO_LM + "[review]\ndrafts = true\n", **BASE}
    drafted = review_pull_request(live_server, fake_github, configured, number=2, draft=True)
    assert drafted.state == PullRequestAnalysis.DONE


def test_personal_token_mode_posts_the_review_without_check_runs(live_server, connected,
                                                                 fake_github, caplog):
    from reviewapp.github.connect import connect_repository

    fake_github.personal_tokens.add("ghp_personal")
    connect_repository(REPO, token="ghp_personal")
    with caplog.at_level(logging.INFO, logger="reviewapp.github"):
        analysis = review_pull_request(live_server, fake_github)
    assert analysis.state == PullRequestAnalysis.DONE
    assert len(fake_github.submitted_reviews(REPO, 1)) == 1
    assert fake_github.check_runs == {} and not fake_github.calls_to("POST", "/check-runs")
    assert "personal-token mode" in caplog.text and "ghp_personal" not in caplog.text


def test_a_dismissed_finding_is_not_posted_again(live_server, connected, fake_github):
    analysis = review_pull_request(live_server, fake_github)
    findings = list(analysis.revision.findings.all())
    assert findings
    PostedFinding.objects.all().delete()  # as if never posted: only the dismissal remains
    Finding.objects.filter(pk=findings[0].pk).update(state=Finding.DISMISSED)
    head = fake_github.push(REPO, 1, {**HEAD, "README.md": "# widgets, v2\n"})
    deliver(live_server.url, "pull_request", pull_request_payload(fake_github, 1, "synchronize"))
    second = PullRequestAnalysis.objects.get(head_sha=head)
    posted = {(p.path, p.line) for p in second.posted.all()}
    assert (findings[0].file.path, findings[0].line) not in posted
    assert len(posted) == len(findings) - 1


def test_findings_gone_from_the_new_head_are_listed_as_resolved(live_server, connected,
                                                                fake_github):
    first = review_pull_request(live_server, fake_github)
    config = first.revision.repo_config
    # Posted findings in the file the next push removes: those are the resolved ones.
    old = [f for f in first.revision.findings.select_related("file")
           if config.posts(f.probability, f.severity) and f.file.path == "widgets/stack.py"]
    assert old
    without_stack = {k: v for k, v in HEAD.items() if k != "widgets/stack.py"}
    head = fake_github.push(REPO, 1, {".squiggle.toml": NO_LM, **without_stack})
    deliver(live_server.url, "pull_request", pull_request_payload(fake_github, 1, "synchronize"))
    second = PullRequestAnalysis.objects.get(head_sha=head)
    summary = fake_github.check_runs[second.check_run_id]["output"]["summary"]
    assert f"{len(old)} resolved since the previous push" in summary
    assert "**Resolved since the previous push:**" in summary
    assert all(f"`widgets/stack.py` line {f.line}: {f.kind}" in summary for f in old)
    assert len(fake_github.submitted_reviews(REPO, 1)) == 1  # nothing new: no second review
