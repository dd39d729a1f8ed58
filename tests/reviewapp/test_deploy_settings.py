"""Production settings (README "Serving over HTTPS") pass Django's deployment checks."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _check_deploy(tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    environment = {key: value for key, value in os.environ.items()
                   if not key.startswith(("SQUIGGLE_HTTPS", "SQUIGGLE_HSTS", "SQUIGGLE_DEBUG"))}
    environment.update(SQUIGGLE_SECRET_KEY=secrets.token_urlsafe(50),
                       SQUIGGLE_ALLOWED_HOSTS="squiggle.example.com",
                       SQUIGGLE_DATA_DIR=str(tmp_path), **env)
    return subprocess.run([sys.executable, "manage.py", "check", "--deploy",
                           "--fail-level", "WARNING"], cwd=ROOT, env=environment,
                          capture_output=True, text=True, timeout=180)


def test_check_deploy_is_clean_when_served_over_https(tmp_path):
    result = _check_deploy(tmp_path, SQUIGGLE_HTTPS="1", SQUIGGLE_TRUST_X_FORWARDED_PROTO="1")
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_names_what_plain_http_lacks(tmp_path):
    """The same check fails without SQUIGGLE_HTTPS: the clean run above is not a blind spot."""
    result = _check_deploy(tmp_path)
    assert result.returncode != 0
    assert "SESSION_COOKIE_SECURE" in result.stderr and "SECURE_HSTS_SECONDS" in result.stderr


@pytest.fixture
def https_settings(settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    return settings


@pytest.mark.django_db
def test_behind_a_proxy_plain_http_is_redirected_and_https_gets_hsts(client, https_settings):
    plain = client.get("/accounts/login/")
    assert plain.status_code == 301 and plain["Location"].startswith("https://")
    secure = client.get("/accounts/login/", headers={"x-forwarded-proto": "https"})
    assert secure.status_code == 200
    assert secure["Strict-Transport-Security"].startswith("max-age=31536000")


@pytest.mark.django_db
def test_health_checks_over_plain_http_are_not_redirected(client, https_settings):
    assert client.get("/healthz").status_code == 200
