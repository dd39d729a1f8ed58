"""`manage.py connect_github OWNER/NAME ...`: register a repository for pull-request reviews."""

from __future__ import annotations

import os

from django.core.management.base import BaseCommand, CommandError

from reviewapp.github.connect import SetupError, connect_repository


class Command(BaseCommand):
    help = ("Connect a GitHub repository: as a GitHub App installation (--app-id, "
            "--installation-id, --private-key-file) or with a personal token (--token-env). "
            "Secrets are read from environment variables and never printed.")

    def add_arguments(self, parser) -> None:
        parser.add_argument("full_name", metavar="OWNER/NAME")
        parser.add_argument("--app-id", type=int)
        parser.add_argument("--installation-id", type=int)
        parser.add_argument("--private-key-file", default="")
        parser.add_argument("--webhook-secret-env", metavar="VAR",
                            help="environment variable holding the webhook secret")
        parser.add_argument("--token-env", metavar="VAR",
                            help="environment variable holding a personal access token "
                                 "(personal-token mode: reviews, no check runs)")

    def handle(self, *args, full_name: str, app_id: int | None, installation_id: int | None,
               private_key_file: str, webhook_secret_env: str | None, token_env: str | None,
               **options) -> None:
        secret = _from_env(webhook_secret_env, "--webhook-secret-env")
        token = _from_env(token_env, "--token-env")
        try:
            connection = connect_repository(
                full_name, app_id=app_id, installation_id=installation_id,
                private_key_path=private_key_file, webhook_secret=secret, token=token)
        except SetupError as exc:
            raise CommandError(str(exc)) from exc
        mode = connection.get_mode_display()
        self.stdout.write(f"connected {full_name} ({mode}); webhook secret "
                          f"{'set' if connection.repository.webhook_secret else 'NOT set'}")
        if not connection.posts_check_runs:
            self.stdout.write("personal-token mode: reviews are posted, check runs are not "
                              "(they need a GitHub App)")


def _from_env(var: str | None, option: str) -> str:
    if not var:
        return ""
    value = os.environ.get(var, "")
    if not value:
        raise CommandError(f"{option}: the environment variable {var} is empty or unset")
    return value
