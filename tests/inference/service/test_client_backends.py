"""Client selection by settings, and the OpenAI-compatible backend against a local fake server."""

from __future__ import annotations

import json

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from inference.client import ClientSettings, HTTPClient, LocalClient, get_client


def test_no_settings_means_in_process_client_without_loading_a_model() -> None:
    """With no URL set the client is in-process and loads nothing until a model is needed."""
    client = get_client(ClientSettings.from_env({}))
    assert isinstance(client, LocalClient) and client.model_loaded is False


def test_inference_url_selects_the_http_client() -> None:
    """SQUIGGLE_INFERENCE_URL points the client at a running service."""
    client = get_client(ClientSettings.from_env({"SQUIGGLE_INFERENCE_URL": "http://x:1"}))
    assert isinstance(client, HTTPClient)


def test_openai_base_url_needs_a_model_name() -> None:
    """A base URL without SQUIGGLE_OPENAI_MODEL is a configuration error that says so."""
    with pytest.raises(ValueError, match="SQUIGGLE_OPENAI_MODEL"):
        ClientSettings.from_env({"SQUIGGLE_OPENAI_BASE_URL": "http://x/v1"})


class FakeOpenAI:
    """An OpenAI-compatible /v1/completions endpoint with a canned completion."""

    def __init__(self, completion: str) -> None:
        self.completion = completion
        self.requests: list[dict] = []
        self.auth: list[str | None] = []

    def app(self) -> Starlette:
        async def completions(request: Request) -> Response:
            body = await request.json()
            self.requests.append(body)
            self.auth.append(request.headers.get("authorization"))
            if body.get("echo"):
                return JSONResponse({"choices": [self._echo(p, i)
                                                 for i, p in enumerate(body["prompt"])]})
            if body.get("stream"):
                def events():
                    for i in range(0, len(self.completion), 5):
                        chunk = {"choices": [{"text": self.completion[i:i + 5],
                                              "finish_reason": None}]}
                        yield f"data: {json.dumps(chunk)}\n\n"
                    yield 'data: {"choices": [{"text": "", "finish_reason": "stop"}]}\n\n'
                    yield "data: [DONE]\n\n"
                return StreamingResponse(events(), media_type="text/event-stream")
            return JSONResponse({"choices": [{"text": "x"}],
                                 "usage": {"prompt_tokens": len(body["prompt"]) // 4}})

        return Starlette(routes=[Route("/v1/completions", completions, methods=["POST"])])

    @staticmethod
    def _echo(prompt: str, index: int) -> dict:
        # One "token" per character; the first has no log-probability, as real servers do.
        return {"index": index, "logprobs": {
            "tokens": list(prompt), "text_offset": list(range(len(prompt))),
            "token_logprobs": [None] + [-0.5] * (len(prompt) - 1)}}


@pytest.fixture
def fake_openai(serve):
    server = FakeOpenAI("import os\n\nvalue = os.sep\nQQQ_ZZZ = [[[]]]\n")
    with serve(server.app()) as url:
        yield server, url


def openai_client(url: str) -> LocalClient:
    return get_client(ClientSettings.from_env({
        "SQUIGGLE_OPENAI_BASE_URL": f"{url}/v1", "SQUIGGLE_OPENAI_MODEL": "smol",
        "SQUIGGLE_OPENAI_API_KEY": "k"}))


def test_openai_backend_writes_the_merge_when_the_model_is_needed(fake_openai) -> None:
    """An Apply that needs the model streams the server's greedy completion at temperature 0."""
    server, url = fake_openai
    client = openai_client(url)
    original = "import os\n\nvalue = os.sep\n"
    result = client.apply(original, "# ...\nQQQ_ZZZ = [[[]]]\n# ...\n", path="m.py")
    assert result.path == "model" and result.method == "generated"
    assert result.text == original + "QQQ_ZZZ = [[[]]]\n"
    sent = server.requests[-1]
    assert sent["model"] == "smol" and sent["temperature"] == 0 and sent["stop"] == ["```"]
    assert server.auth[-1] == "Bearer k"


def test_a_wrong_file_from_the_openai_backend_is_refused(fake_openai) -> None:
    """The server's file is checked like any merge: one that drops the original's lines is
    an `ApplyFailed` naming the check, never a result."""
    from inference.apply import ApplyFailed

    server, url = fake_openai
    server.completion = "size = 1\nQQQ_ZZZ = [[[]]]\n"
    with pytest.raises(ApplyFailed) as failure:
        openai_client(url).apply("import os\n\nvalue = os.sep\n",
                                 "# ...\nQQQ_ZZZ = [[[]]]\n# ...\n", path="m.py")
    assert "fails the check" in str(failure.value)


def test_openai_backend_scores_spans_from_echoed_logprobs(fake_openai) -> None:
    """Surprisal covers exactly the span's tokens (negated log-probabilities)."""
    from inference.span_scoring import ScoreRequest

    _, url = fake_openai
    scores = openai_client(url).score([ScoreRequest(context="abc", span="de")])
    assert scores[0].surprisals == [0.5, 0.5] and scores[0].tokens == ["d", "e"]


def test_openai_backend_warm_reports_prompt_tokens(fake_openai) -> None:
    """warm sends the text once and reports the server's prompt token count."""
    _, url = fake_openai
    assert openai_client(url).warm("x" * 40) == 10


def test_the_api_key_is_never_in_a_repr() -> None:
    """Settings and clients end up in logs and tracebacks: the key must not ride along."""
    settings = ClientSettings.from_env({"SQUIGGLE_OPENAI_BASE_URL": "http://127.0.0.1:9",
                                        "SQUIGGLE_OPENAI_MODEL": "m",
                                        "SQUIGGLE_OPENAI_API_KEY": "sk-very-secret"})
    assert settings.openai_api_key == "sk-very-secret"
    assert "sk-very-secret" not in repr(settings)
