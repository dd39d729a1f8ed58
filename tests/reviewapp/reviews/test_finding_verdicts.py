"""Acting on findings: dismiss with a reason, accept into a committable fix, the threshold and
the plain "nothing found"; every verdict stored as training data."""

from __future__ import annotations

import json
import subprocess

import pytest
from django.test import Client
from django.urls import reverse

from reviewapp.reviews.models import AnalysisJob, FileChange, Finding, FindingFeedback

pytestmark = pytest.mark.django_db


def _url(finding: Finding, action: str) -> str:
    revision = finding.revision
    return reverse(f"reviews:{action}", args=[revision.change_set_id, revision.number,
                                               finding.pk])


def test_dismissing_with_a_reason_hides_the_finding_and_records_the_verdict(
        client, member, review, price_finding):
    client.force_login(member)
    response = client.post(_url(price_finding, "dismiss_finding"), {"reason": "false_positive"})
    assert response.status_code == 200 and response.json()["state"] == "dismissed"
    price_finding.refresh_from_db()
    assert (price_finding.state, price_finding.dismiss_reason) == ("dismissed", "false_positive")
    record = FindingFeedback.objects.get()
    assert (record.action, record.reason, record.probability) == ("dismissed", "false_positive",
                                                                  0.8)
    assert (record.path, record.line, record.kind) == ("pkg/models.py", 6, "wrong_attribute")
    assert "return sum(item.price for item in self.items)" in record.context
    assert record.context_start == 1 and record.user == member
    page = client.get(review.get_absolute_url()).content.decode()
    assert f'id="finding-{price_finding.pk}"' not in page
    assert "1 dismissed" in page


def test_a_dismissal_needs_one_of_the_three_reasons(client, member, price_finding):
    client.force_login(member)
    response = client.post(_url(price_finding, "dismiss_finding"), {"reason": "boring"})
    assert response.status_code == 400
    assert "false_positive, wont_fix, not_important" in response.json()["error"]
    assert not FindingFeedback.objects.exists()


def test_accepting_makes_a_patch_that_git_applies(client, member, price_finding, tmp_path):
    client.force_login(member)
    data = client.post(_url(price_finding, "accept_finding")).json()
    assert data["state"] == "accepted" and data["method"].startswith("apply")
    assert "-        return sum(item.price for item in self.items)\n" in data["patch"]
    assert "+        return sum(cost for item in self.items)\n" in data["patch"]
    download = client.get(data["patch_url"])
    assert download["Content-Disposition"].startswith("attachment; filename=")
    assert download.content.decode() == data["patch"]
    # The pasted diff's new pkg/models.py is the hunk's seven lines: commit it, apply the fix.
    new_file = "\n".join(row for row in price_finding.file.hunks.get().text.splitlines()
                         if not row.startswith("-"))
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg/models.py").write_text("".join(row[1:] + "\n"
                                                    for row in new_file.splitlines()))
    (tmp_path / "fix.patch").write_text(data["patch"])
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    subprocess.run(["git", "apply", "fix.patch"], cwd=tmp_path, check=True)
    assert "sum(cost for item" in (tmp_path / "pkg/models.py").read_text()
    record = FindingFeedback.objects.get()
    assert record.action == "accepted" and record.patch == data["patch"]


def test_accepting_twice_is_one_verdict(client, member, price_finding):
    client.force_login(member)
    client.post(_url(price_finding, "accept_finding"))
    assert client.post(_url(price_finding, "accept_finding")).status_code == 200
    assert FindingFeedback.objects.count() == 1


def test_a_finding_without_a_replacement_cannot_be_accepted(client, member, price_finding):
    Finding.objects.filter(pk=price_finding.pk).update(replacement="", end_column=19)
    client.force_login(member)
    response = client.post(_url(price_finding, "accept_finding"))
    assert response.status_code == 400 and "no suggested replacement" in response.json()["error"]


VIEWS = ('from pkg.models import Order\n\n\ndef show(order: Order):\n'
         '    total = Decimal(order.total())\n    return f"{order.items} {total}"\n')


def _forgotten_import(review) -> Finding:
    """`Decimal` read on line 5 of pkg/views.py, whose whole new text is stored."""
    file = review.files.get(path="pkg/views.py")
    file.new_content = VIEWS
    file.save()
    return Finding.objects.create(
        revision=review, file=file, line=5, end_line=5, column=12, end_column=19,
        kind="undefined_name", probability=0.92, severity="high",
        message="`Decimal` is not defined", replacement="Decimal",
        added_import="from decimal import Decimal")


def test_accepting_a_forgotten_import_adds_it_to_the_file_s_imports(client, member, review,
                                                                     tmp_path):
    finding = _forgotten_import(review)
    client.force_login(member)
    data = client.post(_url(finding, "accept_finding")).json()
    assert data["state"] == "accepted" and data["method"].startswith("apply")
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg/views.py").write_text(VIEWS)
    (tmp_path / "fix.patch").write_text(data["patch"])
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    subprocess.run(["git", "apply", "fix.patch"], cwd=tmp_path, check=True)
    # the standard library's group, which the file lacked, opens above the others
    assert (tmp_path / "pkg/views.py").read_text() == "from decimal import Decimal\n\n" + VIEWS
    record = FindingFeedback.objects.get()
    assert record.added_import == "from decimal import Decimal"


def test_a_forgotten_import_in_a_pasted_diff_is_refused_with_the_reason(client, member, review):
    finding = _forgotten_import(review)
    FileChange.objects.filter(pk=finding.file_id).update(new_content=None)
    client.force_login(member)
    response = client.post(_url(finding, "accept_finding"))
    assert response.status_code == 400
    assert "`from decimal import Decimal` to the file's imports, which are not in the diff" in \
        response.json()["error"]


def test_verdicts_are_for_members_only_and_need_post_and_csrf(client, outsider, member,
                                                              price_finding):
    client.force_login(outsider)
    assert client.post(_url(price_finding, "dismiss_finding"),
                       {"reason": "wont_fix"}).status_code == 404
    client.force_login(member)
    assert client.get(_url(price_finding, "accept_finding")).status_code == 405
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(member)
    assert strict.post(_url(price_finding, "accept_finding")).status_code == 403
    assert client.get(_url(price_finding, "finding_patch")).status_code == 404  # no fix yet
    assert not FindingFeedback.objects.exists()


def test_the_repository_threshold_hides_low_probability_findings(client, member, review,
                                                                 price_finding):
    review.config = {**review.config, "threshold": 0.9, "source": ".squiggle.toml"}
    review.save(update_fields=["config"])
    client.force_login(member)
    page = client.get(review.get_absolute_url()).content.decode()
    assert f'id="finding-{price_finding.pk}"' not in page
    assert "1 below this repository's threshold or severities, not shown" in page
    assert "Configuration: .squiggle.toml — findings from probability 0.9" in page


def test_severity_tiers_are_counted_above_the_files(client, member, review, price_finding):
    client.force_login(member)
    page = client.get(review.get_absolute_url()).content.decode()
    assert "1 likely bug</strong>" in page and '<span class="sev sev-high">1 high</span>' in page


def test_hints_are_counted_apart_from_likely_bugs(client, member, review, price_finding):
    from reviewapp.reviews.models import Finding

    hint = Finding.objects.create(revision=review, file=price_finding.file, line=6, end_line=6,
                                  column=4, end_column=8, kind="literal", probability=0.1,
                                  severity="low", message="`[]` may be `None`")
    client.force_login(member)
    page = client.get(review.get_absolute_url()).content.decode()
    assert "1 likely bug</strong>" in page and "and</span>" in page and ">1 hint</span>" in page
    assert ">1 low</span>" not in page  # not a severity tier of likely bugs
    price_finding.delete()
    page = client.get(review.get_absolute_url()).content.decode()
    assert "No likely bugs</strong>" in page and ">1 hint</span>" in page
    assert f'id="finding-{hint.pk}"' in page  # still shown, with its card


def test_when_nothing_is_found_the_review_says_so_once(client, member, review):
    AnalysisJob.objects.filter(revision=review).update(
        timings={"importance (mechanical)": 0.1, "bug detection": 0.5})
    client.force_login(member)
    page = client.get(review.get_absolute_url()).content.decode()
    assert page.count("No likely bugs found") == 1


def test_export_feedback_writes_jsonl_since_a_date(client, member, price_finding, tmp_path):
    from django.core.management import call_command

    client.force_login(member)
    client.post(_url(price_finding, "accept_finding"))
    out = tmp_path / "feedback.jsonl"
    call_command("export_feedback", "--since", "2000-01-01", "--output", str(out))
    (record,) = [json.loads(line) for line in out.read_text().splitlines()]
    assert record["label"] == "bug" and record["probability"] == 0.8
    assert record["context"]["start_line"] == 1 and "item.price" in record["context"]["text"]
    assert record["patch"].startswith("diff --git a/pkg/models.py b/pkg/models.py")
    call_command("export_feedback", "--since", "2999-01-01", "--output", str(out))
    assert out.read_text() == ""


def test_export_feedback_rejects_a_bad_date():
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="not a date"):
        call_command("export_feedback", "--since", "last tuesday")
