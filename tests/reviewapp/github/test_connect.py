"""`manage.py connect_github` and the admin page: validated set-up, secrets never shown."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from reviewapp.github.models import GitHubConnection
from reviewapp.reviews.models import Repository

pytestmark = pytest.mark.django_db


def run(*args, env: dict | None = None, monkeypatch=None) -> str:
    out = io.StringIO()
    call_command("connect_github", *args, stdout=out, stderr=out)
    return out.getvalue()


def test_app_mode_stores_the_connection_and_prints_no_secret(app_key, monkeypatch):
    monkeypatch.setenv("HOOK_SECRET", "s3cr3t-value")
    output = run("acme/widgets", "--app-id", "12", "--installation-id", "34",
                 "--private-key-file", app_key["path"], "--webhook-secret-env", "HOOK_SECRET")
    repository = Repository.objects.get(full_name="acme/widgets")
    assert repository.installation_id == 34 and repository.webhook_secret == "s3cr3t-value"
    assert repository.github.mode == GitHubConnection.APP and repository.github.app_id == 12
    assert "s3cr3t-value" not in output and "BEGIN" not in output
    assert "connected acme/widgets" in output


def test_token_mode_says_there_will_be_no_check_runs(monkeypatch):
    monkeypatch.setenv("GH_TOKEN_FOR_SQUIGGLE", "ghp_abcdef")
    output = run("acme/widgets", "--token-env", "GH_TOKEN_FOR_SQUIGGLE")
    assert Repository.objects.get().github.token == "ghp_abcdef"
    assert "no check runs" in output.lower() or "check runs are not" in output
    assert "ghp_abcdef" not in output


@pytest.mark.parametrize("args, message", [
    (["not-a-repo", "--token-env", "HOME"], "is not OWNER/NAME"),
    (["acme/widgets"], "--app-id"),
    (["acme/widgets", "--token-env", "SQUIGGLE_UNSET_VARIABLE"], "empty or unset"),
    (["acme/widgets", "--app-id", "1", "--installation-id", "2", "--private-key-file",
      "/nonexistent/key.pem"], "cannot read the private key file"),
])
def test_bad_input_is_a_clear_error_and_nothing_is_stored(args, message, monkeypatch):
    monkeypatch.delenv("SQUIGGLE_UNSET_VARIABLE", raising=False)
    with pytest.raises(CommandError, match=message):
        run(*args)
    assert not Repository.objects.exists()


def test_a_file_that_is_not_a_key_is_refused(tmp_path):
    fake_key = tmp_path / "key.pem"
    fake_key.write_text("-----BEGIN RSA PRIVATE KEY-----\nnope\n-----END RSA PRIVATE KEY-----\n")
    with pytest.raises(CommandError, match="not a PEM private key"):
        run("acme/widgets", "--app-id", "1", "--installation-id", "2",
            "--private-key-file", str(fake_key))


def test_the_admin_page_connects_a_repository_without_showing_secrets(admin_client, app_key):
    response = admin_client.post("/admin/github/githubconnection/add/", {
        "full_name": "acme/widgets", "app_id": "12", "installation_id": "34",
        "private_key_path": app_key["path"], "webhook_secret": "admin-secret", "token": ""})
    assert response.status_code == 302, response.content.decode()[:2000]
    connection = GitHubConnection.objects.get()
    assert connection.repository.webhook_secret == "admin-secret"
    page = admin_client.get(f"/admin/github/githubconnection/{connection.pk}/change/")
    assert page.status_code == 200 and b"admin-secret" not in page.content
    repository_page = admin_client.get(
        f"/admin/reviews/repository/{connection.repository.pk}/change/")
    assert repository_page.status_code == 200 and b"admin-secret" not in repository_page.content
    refused = admin_client.post("/admin/github/githubconnection/add/", {
        "full_name": "acme/other", "app_id": "12", "installation_id": "",
        "private_key_path": "", "webhook_secret": "", "token": ""})
    assert refused.status_code == 200 and b"--app-id" in refused.content


@pytest.mark.django_db
def test_the_review_page_says_when_token_mode_posts_no_check_runs(client, member, review):
    from reviewapp.github.models import GitHubConnection

    change_set = review.change_set
    change_set.kind, change_set.number = change_set.PULL_REQUEST, 7
    change_set.save()
    client.force_login(member)
    assert 'id="token-mode"' not in client.get(review.get_absolute_url()).content.decode()
    GitHubConnection.objects.create(repository=change_set.repository,
                                    mode=GitHubConnection.TOKEN, token="t")
    assert 'id="token-mode"' in client.get(review.get_absolute_url()).content.decode()
