"""The inference service with a bearer token: /v1/ routes refuse without it, clients send it."""

from __future__ import annotations

import subprocess
import sys

import httpx

from inference.client import HTTPClient, LocalClient
from inference.service import create_app

TOKEN = "s3cret-inference-token"


def test_routes_refuse_a_missing_or_wrong_token(serve, scripted_engine):
    with serve(create_app(LocalClient(scripted_engine), token=TOKEN)) as url:
        body = {"text": "def f():\n    return 1\n"}
        assert httpx.post(f"{url}/v1/warm", json=body).status_code == 401
        wrong = httpx.post(f"{url}/v1/warm", json=body, headers={"Authorization": "Bearer x"})
        assert wrong.status_code == 401 and wrong.headers["www-authenticate"] == "Bearer"
        right = httpx.post(f"{url}/v1/warm", json=body,
                           headers={"Authorization": f"Bearer {TOKEN}"})
        assert right.status_code == 200
        assert httpx.get(f"{url}/healthz").status_code == 200  # probes need no secret


def test_the_http_client_sends_the_token_from_the_environment(serve, scripted_engine,
                                                              monkeypatch):
    monkeypatch.setenv("SQUIGGLE_INFERENCE_TOKEN", TOKEN)
    with serve(create_app(LocalClient(scripted_engine), token=TOKEN)) as url:
        assert HTTPClient(url).warm("def f():\n    return 1\n") > 0


def test_serving_beyond_this_machine_without_a_token_is_refused(monkeypatch):
    env = {"PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-m", "inference", "serve", "--host", "0.0.0.0"],
                          env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "SQUIGGLE_INFERENCE_TOKEN" in done.stderr
