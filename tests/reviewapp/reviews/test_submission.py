"""Submitting diffs through the web form: stored in review order, errors are 4xx with reasons."""

from __future__ import annotations

import pytest
from django.urls import reverse

from reviewapp.reviews.models import ChangeSet, FileChange, Repository

pytestmark = pytest.mark.django_db


def test_pasted_diff_creates_review_in_dependency_order(client, member, sample_diff):
    client.force_login(member)
    response = client.post(reverse("reviews:new"), {
        "title": "Totals", "new_repository": "acme/shop", "diff": sample_diff,
    })
    assert response.status_code == 302
    change_set = ChangeSet.objects.get(title="Totals")
    paths = list(change_set.latest_revision().files.values_list("path", flat=True))
    assert paths.index("pkg/models.py") < paths.index("pkg/views.py")
    assert paths.index("pkg/models.py") < paths.index("tests/test_models.py")
    assert paths[-1] == "README.md"


def test_uploaded_diff_file_is_accepted(client, member, sample_diff):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(member)
    upload = SimpleUploadedFile("change.diff", sample_diff.encode("latin-1"))
    response = client.post(reverse("reviews:new"), {
        "title": "Upload", "new_repository": "acme/up", "diff_file": upload,
    })
    assert response.status_code == 302
    assert FileChange.objects.filter(revision__change_set__title="Upload").count() == 4
    assert ChangeSet.objects.get(title="Upload").latest_revision().source == "upload"


def test_malformed_diff_answers_400_with_the_reason(client, member):
    client.force_login(member)
    response = client.post(reverse("reviews:new"), {
        "title": "Broken", "new_repository": "acme/broken",
        "diff": "this is not a diff\njust text\n",
    })
    assert response.status_code == 400
    assert "no file changes" in response.content.decode()
    assert not ChangeSet.objects.filter(title="Broken").exists()


def test_a_refused_diff_leaves_no_repository_so_the_corrected_one_can_use_its_name(
        client, member, sample_diff):
    client.force_login(member)
    refused = client.post(reverse("reviews:new"), {
        "title": "Retry", "new_repository": "acme/retry", "diff": "not a diff\n",
    })
    assert refused.status_code == 400
    assert not Repository.objects.filter(full_name="acme/retry").exists()
    accepted = client.post(reverse("reviews:new"), {
        "title": "Retry", "new_repository": "acme/retry", "diff": sample_diff,
    })
    assert accepted.status_code == 302
    repository = Repository.objects.get(full_name="acme/retry")
    assert list(repository.members.all()) == [member]
    assert ChangeSet.objects.get(title="Retry").repository == repository


def test_a_pasted_diff_with_nul_characters_is_refused_with_one_reason(client, member):
    client.force_login(member)
    response = client.post(reverse("reviews:new"), {
        "title": "Nul", "new_repository": "acme/nul",
        "diff": "--- a/x.py\n+++ b/x.py\n@@ -1 +1 @@\n-a = 1\n+a = '\x00'\n",
    })
    page = response.content.decode()
    assert response.status_code == 400
    assert "holds NUL characters" in page and "upload it as a .diff file" in page
    assert "Give a diff" not in page
    assert not Repository.objects.filter(full_name="acme/nul").exists()


def test_diff_over_the_size_limit_answers_413(client, member, sample_diff, settings):
    settings.SQUIGGLE = {**settings.SQUIGGLE, "MAX_DIFF_LINES": 5}
    client.force_login(member)
    response = client.post(reverse("reviews:new"), {
        "title": "Huge", "new_repository": "acme/huge", "diff": sample_diff,
    })
    assert response.status_code == 413
    assert "limit" in response.content.decode()


def test_a_free_server_path_is_never_read(client, member, tmp_path):
    """The form has no path field: a posted `repo_dir` is ignored, nothing is read."""
    client.force_login(member)
    response = client.post(reverse("reviews:new"), {
        "title": "Git", "new_repository": "acme/git", "repo_dir": "/etc",
    })
    assert response.status_code == 400
    assert not ChangeSet.objects.filter(title="Git").exists()


def test_a_checkout_needs_a_registered_repository(client, member, repository):
    client.force_login(member)
    response = client.post(reverse("reviews:new"), {
        "title": "Git", "repository": repository.pk, "from_checkout": "on"})
    assert response.status_code == 400
    assert "no registered local checkout" in response.content.decode()


def test_a_checkout_outside_the_allowed_roots_is_refused(client, member, repository, tmp_path,
                                                         settings):
    settings.SQUIGGLE = {**settings.SQUIGGLE, "REPO_ROOTS": [str(tmp_path / "allowed")]}
    repository.local_path = str(tmp_path / "elsewhere")
    repository.save()
    client.force_login(member)
    response = client.post(reverse("reviews:new"), {
        "title": "Git", "repository": repository.pk, "from_checkout": "on"})
    assert response.status_code == 400
    assert "not under an allowed repository root" in response.content.decode()


def test_a_symlink_cannot_lead_a_checkout_out_of_the_roots(repository, tmp_path, settings):
    from reviewapp.ingest.errors import GitSourceError

    (tmp_path / "allowed").mkdir()
    (tmp_path / "allowed" / "link").symlink_to("/etc")
    settings.SQUIGGLE = {**settings.SQUIGGLE, "REPO_ROOTS": [str(tmp_path / "allowed")]}
    repository.local_path = str(tmp_path / "allowed" / "link")
    with pytest.raises(GitSourceError, match="not under an allowed repository root"):
        repository.checkout_path()


def test_a_member_reviews_a_registered_checkout(client, member, repository, tmp_path, settings):
    from reviewapp.reviews.management.commands.bootstrap_demo import build_demo_repository

    settings.SQUIGGLE = {**settings.SQUIGGLE, "REPO_ROOTS": [str(tmp_path)]}
    range_spec = build_demo_repository(tmp_path / "shop")
    repository.local_path = str(tmp_path / "shop")
    repository.save()
    client.force_login(member)
    response = client.post(reverse("reviews:new"), {
        "title": "Checkout", "repository": repository.pk, "from_checkout": "on",
        "range_spec": range_spec})
    assert response.status_code == 302
    assert ChangeSet.objects.get(title="Checkout").latest_revision().source == "git"


@pytest.mark.django_db
def test_a_local_repositorys_squiggle_toml_leaves_files_out(repository, member, tmp_path):
    """The same loader as pull requests: ignore globs apply to a local git review."""
    import subprocess

    from reviewapp.reviews.services import DiffInput, create_change_set

    def git(*args):
        subprocess.run(["git", "-C", str(tmp_path), *args], check=True, capture_output=True)

    git("init", "-q")
    git("config", "user.email", "t@example.com")
    git("config", "user.name", "T")
    (tmp_path / ".squiggle.toml").write_text('[review]\nignore = ["docs/**"]\n')
    (tmp_path / "app.py").write_text("A = 1\n")
    git("add", ".")
    git("commit", "-qm", "base")
    (tmp_path / "app.py").write_text("A = 2\n")
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "guide.md").write_text("# Guide\n")
    git("add", ".")
    git("commit", "-qm", "head")
    revision = create_change_set(repository, "Local", member,
                                 DiffInput(repo_dir=str(tmp_path), range_spec="HEAD~1..HEAD"))
    assert list(revision.files.values_list("path", flat=True)) == ["app.py"]
    assert any("docs/guide.md left out" in w for w in revision.warnings)
    assert revision.repo_config.ignore == ["docs/**"]


@pytest.mark.django_db
def test_the_page_shows_which_configuration_applied(client, repository, member, tmp_path):
    import subprocess

    from reviewapp.reviews.services import DiffInput, create_change_set

    def git(*args):
        subprocess.run(["git", "-C", str(tmp_path), *args], check=True, capture_output=True)

    git("init", "-q")
    git("config", "user.email", "t@example.com")
    git("config", "user.name", "T")
    (tmp_path / ".squiggle.toml").write_text('[review]\nseverities = ["high"]\n'
                                             '[stages]\nbug_detection = false\n')
    (tmp_path / "app.py").write_text("A = 1\n")
    git("add", ".")
    git("commit", "-qm", "base")
    (tmp_path / "app.py").write_text("A = 2\n")
    git("commit", "-qam", "head")
    revision = create_change_set(repository, "Local", member,
                                 DiffInput(repo_dir=str(tmp_path), range_spec="HEAD~1..HEAD"))
    client.force_login(member)
    page = client.get(revision.get_absolute_url()).content.decode()
    assert ("Configuration: .squiggle.toml — severities high; stage bug_detection off"
            in page)


@pytest.mark.django_db
def test_a_pasted_diff_of_a_registered_checkout_follows_its_squiggle_toml(
        repository, member, tmp_path, settings, sample_diff):
    from reviewapp.reviews.services import DiffInput, create_change_set

    settings.SQUIGGLE = {**settings.SQUIGGLE, "REPO_ROOTS": [str(tmp_path)]}
    (tmp_path / "shop").mkdir()
    (tmp_path / "shop" / ".squiggle.toml").write_text('[review]\nignore = ["*.md"]\n'
                                                      "threshold = 0.7\n")
    repository.local_path = str(tmp_path / "shop")
    repository.save()
    revision = create_change_set(repository, "Pasted", member,
                                 DiffInput(diff=sample_diff.encode()))
    assert "README.md" not in revision.files.values_list("path", flat=True)
    assert revision.repo_config.threshold == 0.7


@pytest.mark.ml
def test_a_diff_pasted_into_a_registered_checkout_is_reviewed_with_its_whole_files(
        client, repository, member, tmp_path, settings, django_capture_on_commit_callbacks):
    """gunicorn's `can_sendfile()` pasted as a diff got no finding: a pasted diff carried only
    its hunks, and the undefined-name check needs the whole file. The checkout's objects have
    the old file (the `index` line names its blob); the new one is that with the hunks."""
    import subprocess

    from reviewapp.reviews.models import Finding

    checkout = tmp_path / "shop"
    (checkout / "shop").mkdir(parents=True)
    response_py = ("class Response:\n    def can_send(self):\n        return True\n\n"
                   "    def send(self, data):\n        return data\n")
    (checkout / "shop" / "response.py").write_text(response_py)
    git = ["git", "-C", str(checkout), "-c", "user.name=T", "-c", "user.email=t@example.com"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "start"], check=True)
    (checkout / "shop" / "response.py").write_text(response_py.replace(
        "        return data", "        if can_send():\n            return data"))
    diff = subprocess.run([*git, "diff"], check=True, capture_output=True, text=True).stdout
    subprocess.run([*git, "checkout", "--", "."], check=True)
    settings.SQUIGGLE = {**settings.SQUIGGLE, "REPO_ROOTS": [str(tmp_path)]}
    repository.local_path = str(checkout)
    repository.save()
    client.force_login(member)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("reviews:new"), {
            "title": "Pasted", "repository": repository.pk, "diff": diff})
    assert response.status_code == 302
    file = FileChange.objects.get(revision__change_set__title="Pasted")
    assert file.old_content == response_py and "if can_send():" in file.new_content
    finding = Finding.objects.get(file=file)
    assert (finding.kind, finding.line) == ("undefined_name", 6)
    assert "probably `self.can_send`" in finding.message
