"""Secrets Squiggle writes itself (the Django key, the local login) are owner-only from birth."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[2]


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_generated_secret_key_is_owner_only(tmp_path):
    env = dict(os.environ, SQUIGGLE_DATA_DIR=str(tmp_path),
               DJANGO_SETTINGS_MODULE="reviewapp.settings")
    env.pop("SQUIGGLE_SECRET_KEY", None)
    subprocess.run([sys.executable, "-c", "import django; django.setup()"], cwd=ROOT, env=env,
                   check=True, timeout=120)
    assert _mode(tmp_path / "secret_key") == 0o600


@pytest.mark.django_db
def test_the_local_login_file_is_owner_only(tmp_path, settings):
    settings.DATA_DIR = tmp_path
    call_command("bootstrap_demo", stdout=open(os.devnull, "w"))
    assert _mode(tmp_path / "login.txt") == 0o600


def test_a_secret_is_never_seen_half_written(tmp_path):
    """Two writers race for one key file: exactly one wins, and the file holds its whole text."""
    from reviewapp.secret_files import write_secret

    key = tmp_path / "secret_key"
    won = [write_secret(key, text, replace=False) for text in ("first-key", "second-key")]
    assert won == [True, False]
    assert key.read_text() == "first-key" and _mode(key) == 0o600
    assert write_secret(key, "rotated", replace=True) and key.read_text() == "rotated"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["secret_key"]  # no temporary left
