"""Registering a GitHub repository: App credentials or a personal token, and a webhook secret.

Used by `manage.py connect_github`, the admin page and `installation` webhooks. Secrets are
stored for the web app and the workers to use; they are never printed or logged.
"""

from __future__ import annotations

import re
from pathlib import Path

from cryptography.hazmat.primitives.serialization import load_pem_private_key
from django.conf import settings
from django.db import transaction

from reviewapp.reviews.models import Repository

from .auth import Credentials
from .models import GitHubConnection

FULL_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,38}/[A-Za-z0-9._-]{1,100}$")


class SetupError(ValueError):
    """Bad set-up input, with a message that names what to fix (and never a secret)."""


def check_private_key(path: str) -> None:
    """The file exists and holds an RSA private key in PEM (what GitHub Apps download)."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise SetupError(f"cannot read the private key file {path}: {exc.strerror}") from exc
    try:
        load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as exc:
        raise SetupError(f"{path} is not a PEM private key (download it from the "
                               "GitHub App's settings page)") from exc


@transaction.atomic
def connect_repository(full_name: str, *, app_id: int | None = None,
                       installation_id: int | None = None, private_key_path: str = "",
                       webhook_secret: str = "", token: str = "") -> GitHubConnection:
    """Create or update the repository and its connection (App mode unless a token is given)."""
    if not FULL_NAME.match(full_name or ""):
        raise SetupError(f"{full_name!r} is not OWNER/NAME")
    if token:
        mode = GitHubConnection.TOKEN
    elif app_id and installation_id and private_key_path:
        check_private_key(private_key_path)
        mode = GitHubConnection.APP
    else:
        raise SetupError("give --app-id, --installation-id and --private-key-file for a "
                               "GitHub App, or --token-env for personal-token mode")
    repository, _ = Repository.objects.get_or_create(provider=Repository.GITHUB,
                                                     full_name=full_name)
    repository.installation_id = installation_id if mode == GitHubConnection.APP else None
    if webhook_secret:
        repository.webhook_secret = webhook_secret
    repository.save()
    connection, _ = GitHubConnection.objects.update_or_create(
        repository=repository,
        defaults={"mode": mode, "app_id": app_id if mode == GitHubConnection.APP else None,
                  "private_key_path": private_key_path if mode == GitHubConnection.APP else "",
                  "token": token})
    return connection


def register_installation(full_name: str, app_id: int, installation_id: int) -> None:
    """A repository the App was installed on (from an `installation*` webhook)."""
    repository, _ = Repository.objects.get_or_create(provider=Repository.GITHUB,
                                                     full_name=full_name)
    repository.installation_id = installation_id
    repository.save(update_fields=["installation_id"])
    GitHubConnection.objects.get_or_create(
        repository=repository, defaults={"mode": GitHubConnection.APP, "app_id": app_id})


def credentials_for(repository: Repository) -> Credentials:
    """The credentials to call GitHub with for this repository (global settings fill gaps)."""
    conf = settings.SQUIGGLE_GITHUB
    connection = GitHubConnection.objects.filter(repository=repository).first()
    if connection is not None and connection.mode == GitHubConnection.TOKEN:
        return Credentials(api_url=conf["API_URL"], token=connection.token)
    app_id = (connection.app_id if connection else None) or conf["APP_ID"]
    key_path = (connection.private_key_path if connection else "") or conf["PRIVATE_KEY_PATH"]
    if not (app_id and key_path) and conf["TOKEN"]:
        return Credentials(api_url=conf["API_URL"], token=conf["TOKEN"])
    key = Path(key_path).read_text() if key_path and Path(key_path).is_file() else ""
    return Credentials(api_url=conf["API_URL"], app_id=str(app_id or ""), private_key_pem=key,
                       installation_id=repository.installation_id)
