"""Create the local login and the demo review that `make run` shows on first start."""

from __future__ import annotations

import secrets
import shutil
import subprocess
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from reviewapp.reviews.models import ChangeSet, Repository
from reviewapp.reviews.services import DiffInput, create_change_set
from reviewapp.secret_files import write_secret

DEMO_DIR = Path(__file__).resolve().parents[2] / "demo"
DEMO_TITLE = "shop: bulk discounts and price validation"


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "user.name=Squiggle Demo", "-c", "user.email=demo@squiggle.invalid",
         "-c", "init.defaultBranch=main", *args],
        cwd=repo, check=True, capture_output=True, text=True,
    ).stdout.strip()


def build_demo_repository(target: Path) -> str:
    """A two-commit git repository from demo/base and demo/head; returns the range."""
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    _git(target, "init", "-q")
    for tree, message in (("base", "shop: first version"), ("head", "shop: bulk discounts")):
        for child in target.iterdir():
            if child.name != ".git":
                shutil.rmtree(child) if child.is_dir() else child.unlink()
        shutil.copytree(DEMO_DIR / tree, target, dirs_exist_ok=True)
        _git(target, "add", "-A")
        _git(target, "commit", "-q", "-m", message)
    return "HEAD~1..HEAD"


class Command(BaseCommand):
    help = "Create the local user (printing how to log in) and the demo review, once."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--username", default="reviewer")

    def handle(self, *args, username: str, **options) -> None:
        credentials = Path(settings.DATA_DIR) / "login.txt"
        user_model = get_user_model()
        user = user_model.objects.filter(username=username).first()
        if user is None or not credentials.exists():
            password = secrets.token_urlsafe(12)
            user = user or user_model(username=username, is_staff=True, is_superuser=True)
            user.set_password(password)
            user.save()
            write_secret(credentials, f"{username}\n{password}\n", replace=True)
        username, password = credentials.read_text().split()[:2]

        # Local names may repeat (another user may have a "demo/shop"): the demo is the one
        # its user belongs to.
        repository = Repository.objects.filter(provider=Repository.LOCAL, full_name="demo/shop",
                                               members=user).first()
        if repository is None:
            repository = Repository.objects.create(provider=Repository.LOCAL,
                                                   full_name="demo/shop")
            repository.members.add(user)
        if not ChangeSet.objects.filter(repository=repository, title=DEMO_TITLE).exists():
            repo_dir = Path(settings.DATA_DIR) / "demo-repo"
            range_spec = build_demo_repository(repo_dir)
            repository.local_path = str(repo_dir)
            repository.save(update_fields=["local_path"])
            create_change_set(repository, DEMO_TITLE, user,
                              DiffInput(repo_dir=str(repo_dir), range_spec=range_spec))
        self.stdout.write(self.style.SUCCESS(
            f"Log in at {settings.SQUIGGLE['PUBLIC_URL']}/ as '{username}' with password "
            f"'{password}' (kept in {credentials})."
        ))
