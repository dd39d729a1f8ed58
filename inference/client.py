"""Clients for Apply, Tab, scoring, token counts and warming: in-process or over HTTP, one
interface.

`get_client()` picks by environment (read when called, never at import):

=============================  =================================================================
``SQUIGGLE_INFERENCE_URL``     base URL of ``python -m inference serve`` → `HTTPClient`
``SQUIGGLE_OPENAI_BASE_URL``   an OpenAI-compatible server (e.g. vLLM, ``…/v1``) → `LocalClient`
                               whose model calls go to that server (`OpenAIEngine`)
``SQUIGGLE_OPENAI_MODEL``      model name sent to that server (required with the base URL)
``SQUIGGLE_OPENAI_API_KEY``    bearer token for that server (optional)
``SQUIGGLE_INFERENCE_TIMEOUT`` seconds per HTTP request (default 300)
(none of them)                 `LocalClient` on the in-process engine (`inference.get_engine`)
=============================  =================================================================

Errors::

    InferenceError
     ├── InferenceUnavailable   the service cannot be reached or failed (5xx)
     └── InferenceRejected      the service refused the request (4xx); also a ValueError
    ApplyFailed (inference.apply) no acceptable merge; the HTTP client raises it too
"""

from __future__ import annotations

import json
import os
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field, is_dataclass
from typing import TYPE_CHECKING, Any

from inference.apply import ApplyEvent, ApplyFailed, ApplyResult, apply_stream, model_adapter
from inference.edit_history import LineEdit
from inference.tab import TabPredictor, TabSuggestion

if TYPE_CHECKING:
    from inference.engine import Engine
    from inference.span_scoring import ScoreRequest, SpanScore

__all__ = [
    "ClientSettings",
    "HTTPClient",
    "InferenceClient",
    "InferenceError",
    "InferenceRejected",
    "InferenceUnavailable",
    "LocalClient",
    "get_client",
]


#: Texts whose token counts an `HTTPClient` remembers.
TOKEN_CACHE_SIZE = 10_000


class InferenceError(RuntimeError):
    """An inference request did not complete."""


class InferenceUnavailable(InferenceError):
    """The inference service could not be reached or failed."""


class InferenceRejected(InferenceError, ValueError):
    """The inference service refused the request (bad or oversized input)."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class ClientSettings:
    """Where inference runs (see the module docs for the environment variables)."""

    inference_url: str | None = None
    openai_base_url: str | None = None
    openai_model: str | None = None
    openai_api_key: str | None = field(default=None, repr=False)  # never in logs
    timeout_s: float = 300.0

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> ClientSettings:
        """Settings from the environment (``env`` overrides ``os.environ`` for tests)."""
        env = dict(os.environ if env is None else env)
        try:
            timeout = float(env.get("SQUIGGLE_INFERENCE_TIMEOUT", "300"))
        except ValueError as error:
            raise ValueError("SQUIGGLE_INFERENCE_TIMEOUT must be a number of seconds") from error
        settings = cls(env.get("SQUIGGLE_INFERENCE_URL") or None,
                       env.get("SQUIGGLE_OPENAI_BASE_URL") or None,
                       env.get("SQUIGGLE_OPENAI_MODEL") or None,
                       env.get("SQUIGGLE_OPENAI_API_KEY") or None, timeout)
        if settings.openai_base_url and not settings.openai_model:
            raise ValueError("SQUIGGLE_OPENAI_BASE_URL needs SQUIGGLE_OPENAI_MODEL (a model name)")
        return settings


class InferenceClient(ABC):
    """Apply, Tab, scoring and warming, wherever the model runs.

    Example::

        client = get_client()
        merged = client.apply(original, sketch, path="app.py").text
    """

    @abstractmethod
    def apply_stream(self, original: str, sketch: str, *, path: str | None = None,
                     decoding: str = "speculative",
                     adapter: str | None = None) -> Iterator[ApplyEvent]:
        """Merge a sketch into a file as a stream of events (see `inference.apply`).

        ``adapter``: None for the service's configured model, ``"apply"`` for Apply's
        fine-tune (refused when not loaded), ``"none"`` for the base model."""

    @abstractmethod
    def tab(self, text: str, cursor_line: int, history: str, *,
            adapter: str | None = None) -> TabSuggestion:
        """The next edit given the file, the cursor (1-based) and the recent edits' diff.

        ``adapter``: None for the service's configured model stage, ``"tab"`` for Tab's
        fine-tune (refused when not loaded), ``"none"`` for the base model."""

    @abstractmethod
    def score(self, requests: Sequence[ScoreRequest]) -> list[SpanScore]:
        """Per-token surprisal of each span after its context."""

    @abstractmethod
    def warm(self, text: str) -> int:
        """Pre-fill the model's prefix cache with ``text``; returns the tokens cached."""

    @abstractmethod
    def count_tokens(self, text: str) -> int:
        """Tokens ``text`` occupies in the model's tokenizer (prompt budgets need it)."""

    def adapters(self) -> dict[str, bool] | None:
        """Whether a request may name each task's adapter (``{"apply": bool, "tab": bool}``;
        ``"none"`` always can); None when this client cannot tell."""
        return None

    def apply(self, original: str, sketch: str, *, path: str | None = None,
              decoding: str = "speculative", adapter: str | None = None) -> ApplyResult:
        """The merged file; raises `ApplyFailed` when no acceptable merge exists."""
        for event in self.apply_stream(original, sketch, path=path, decoding=decoding,
                                       adapter=adapter):
            if event.kind == "error" and event.error is not None:
                raise event.error
            if event.kind == "done" and event.result is not None:
                return event.result
        raise InferenceError("the Apply stream ended without a result")


class _LazyEngine:
    """Loads the engine on first use, so merges that need no model never load one."""

    def __init__(self, factory: Callable[[], Engine]) -> None:
        self._factory = factory
        self._engine: Engine | None = None
        self._lock = threading.Lock()

    def load(self) -> Engine:
        with self._lock:
            if self._engine is None:
                self._engine = self._factory()
            return self._engine

    @property
    def loaded(self) -> bool:
        return self._engine is not None

    def __getattr__(self, name: str) -> Any:
        return getattr(self.load(), name)


class LocalClient(InferenceClient):
    """Runs Apply and Tab in this process; the model is loaded on first need."""

    def __init__(self, engine: Engine | Callable[[], Engine] | None = None) -> None:
        # Only the default engine's adapters can be told before it loads (from its settings).
        self._default_engine = engine is None
        if engine is None:
            from inference.engine import get_engine

            engine = get_engine
        self.engine: Any = _LazyEngine(engine) if callable(engine) else engine
        self.tab_predictor = TabPredictor(self.engine)

    @property
    def model_loaded(self) -> bool:
        """Whether the model is in memory yet."""
        return getattr(self.engine, "loaded", True)

    def adapters(self) -> dict[str, bool] | None:
        """Whether a request may name each task's adapter (``{"apply": bool, "tab": bool}``),
        without loading the model: once loaded, what the engine holds; before, what
        `inference.engine.get_engine` is configured to load (None for another engine factory,
        which cannot be told before it runs)."""
        from inference.engine import requestable_adapters

        if self.model_loaded:
            return requestable_adapters(self.engine)
        return requestable_adapters() if self._default_engine else None

    def apply_stream(self, original: str, sketch: str, *, path: str | None = None,
                     decoding: str = "speculative", adapter: str | None = None,
                     cancel: threading.Event | None = None) -> Iterator[ApplyEvent]:
        """Checks a named ``adapter`` at once (an `inference.engine.InvalidRequest` here, not
        an error in the stream), so the service can refuse it with a 400."""
        if adapter is not None:
            model_adapter(self.engine, adapter)
        return apply_stream(original, sketch, engine=self.engine, path=path, decoding=decoding,
                            cancel=cancel, adapter=adapter)

    def tab(self, text: str, cursor_line: int, history: str, *,
            adapter: str | None = None) -> TabSuggestion:
        return self.tab_predictor.predict(text, cursor_line, history, adapter)

    def score(self, requests: Sequence[ScoreRequest]) -> list[SpanScore]:
        return self.engine.score(list(requests))

    def warm(self, text: str) -> int:
        return self.engine.warm(text)

    def count_tokens(self, text: str) -> int:
        return self.engine.count_tokens(text)


class HTTPClient(InferenceClient):
    """Talks to ``python -m inference serve`` at ``base_url``."""

    def __init__(self, base_url: str, *, timeout_s: float = 300.0, transport: Any = None,
                 token: str | None = None) -> None:
        import httpx

        # The service's bearer token (SQUIGGLE_INFERENCE_TOKEN), when it asks for one.
        token = token if token is not None else os.environ.get("SQUIGGLE_INFERENCE_TOKEN", "")
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._http = httpx.Client(base_url=base_url.rstrip("/"), timeout=timeout_s,
                                  transport=transport, headers=headers)
        self._token_counts: dict[str, int] = {}

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def _post(self, route: str, payload: dict) -> dict:
        return self._request("POST", route, payload)

    def _request(self, method: str, route: str, payload: dict | None = None) -> dict:
        import httpx

        try:
            response = self._http.request(method, route, json=payload)
        except httpx.HTTPError as error:
            raise InferenceUnavailable(f"inference service at {self._http.base_url}: {error}") \
                from error
        _raise_for_status(response.status_code, response.content)
        return response.json()

    def health(self) -> dict:
        """The service's ``GET /healthz``: status, model_loaded, running, waiting, adapters."""
        return self._request("GET", "/healthz")

    def adapters(self) -> dict[str, bool] | None:
        """Whether a request may name each task's adapter, as the service reports it (None
        from a service that does not say)."""
        return self.health().get("adapters")

    def apply_stream(self, original: str, sketch: str, *, path: str | None = None,
                     decoding: str = "speculative",
                     adapter: str | None = None) -> Iterator[ApplyEvent]:
        import httpx

        payload = {"original": original, "sketch": sketch, "path": path, "decoding": decoding}
        if adapter is not None:  # unset: the service's own choice (and older services work)
            payload["adapter"] = adapter
        try:
            with self._http.stream("POST", "/v1/apply", json=payload) as response:
                if response.status_code >= 400:
                    _raise_for_status(response.status_code, response.read())
                for line in response.iter_lines():
                    if line.strip():
                        yield event_from_json(json.loads(line))
        except httpx.HTTPError as error:
            raise InferenceUnavailable(f"inference service at {self._http.base_url}: {error}") \
                from error

    def tab(self, text: str, cursor_line: int, history: str, *,
            adapter: str | None = None) -> TabSuggestion:
        payload: dict = {"file": text, "cursor_line": cursor_line, "diff": history}
        if adapter is not None:
            payload["adapter"] = adapter
        body = self._post("/v1/tab", payload)
        return TabSuggestion(_edit(body.get("edit")), body.get("source", "none"),
                             body.get("rule"), _edit(body.get("next")))

    def score(self, requests: Sequence[ScoreRequest]) -> list[SpanScore]:
        from inference.span_scoring import SpanScore

        body = self._post("/v1/score", {"requests": [_plain(r) for r in requests]})
        return [SpanScore(item["tokens"], item["token_ids"], item["surprisals"],
                          truncated=item.get("truncated", False)) for item in body["scores"]]

    def warm(self, text: str) -> int:
        return int(self._post("/v1/warm", {"text": text})["cached_tokens"])

    def count_tokens(self, text: str) -> int:
        """One round trip per text not seen before: prompt fitting asks about the same parts
        again and again, so answers are kept (up to TOKEN_CACHE_SIZE texts)."""
        cached = self._token_counts.get(text)
        if cached is None:
            cached = int(self._post("/v1/tokens", {"texts": [text]})["counts"][0])
            if len(self._token_counts) >= TOKEN_CACHE_SIZE:
                self._token_counts.clear()
            self._token_counts[text] = cached
        return cached


def _raise_for_status(status: int, content: bytes) -> None:
    if status < 400:
        return
    try:
        message = json.loads(content)["error"]
    except (ValueError, KeyError, TypeError):
        message = content.decode(errors="replace")[:500]
    if status >= 500:
        raise InferenceUnavailable(f"inference service failed ({status}): {message}")
    raise InferenceRejected(message, status)


def _edit(data: dict | None) -> LineEdit | None:
    return LineEdit(data["start_line"], data["end_line"], data["new_text"]) if data else None


def _plain(value: Any) -> dict:
    return asdict(value) if is_dataclass(value) else dict(value)


def event_to_json(event: ApplyEvent) -> dict:
    """One line of the ``/v1/apply`` stream."""
    if event.kind == "done" and event.result is not None:
        return {"event": "done", "text": event.result.text, **event.result.to_json()}
    if event.kind == "error" and event.error is not None:
        return {"event": "error", "error": str(event.error), "attempts": event.error.attempts,
                "line": event.error.line}
    return {"event": event.kind, "text": event.text}


def event_from_json(data: dict) -> ApplyEvent:
    """Inverse of `event_to_json`."""
    kind = data.get("event")
    if kind == "done":
        result = ApplyResult(data["text"], data["path"], data["method"], data.get("parses"),
                             data.get("attempts", []), data.get("candidates", 0),
                             data.get("generation"))
        return ApplyEvent("done", result=result)
    if kind == "error":
        return ApplyEvent("error", error=ApplyFailed(data["error"], data.get("attempts", []),
                                                     data.get("line")))
    if kind in ("delta", "reset"):
        return ApplyEvent(kind, data.get("text", ""))
    raise InferenceError(f"unexpected event in the Apply stream: {data!r}")


_client: InferenceClient | None = None
_client_lock = threading.Lock()


def get_client(settings: ClientSettings | None = None) -> InferenceClient:
    """The process-wide client chosen by `ClientSettings` (see the module docs)."""
    global _client
    if settings is not None:
        return _make_client(settings)
    with _client_lock:
        if _client is None:
            _client = _make_client(ClientSettings.from_env())
        return _client


def _make_client(settings: ClientSettings) -> InferenceClient:
    if settings.inference_url:
        return HTTPClient(settings.inference_url, timeout_s=settings.timeout_s)
    if settings.openai_base_url:
        from inference.openai_backend import OpenAIEngine

        assert settings.openai_model is not None
        return LocalClient(OpenAIEngine(settings.openai_base_url, settings.openai_model,
                                        api_key=settings.openai_api_key,
                                        timeout_s=settings.timeout_s))
    return LocalClient()
