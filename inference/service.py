"""The inference HTTP service (ASGI, Starlette): Apply (streamed), Tab, scoring, warming.

Endpoints (JSON in, JSON out; errors are ``{"error": "..."}`` with a 4xx/5xx status)::

    POST /v1/apply  {"original", "sketch", "path"?, "decoding"?, "adapter"?: "apply"|"none"}
                    → NDJSON stream: {"event": "delta", "text"} … then {"event": "done", "text",
                      "path", "method", "parses", …} or {"event": "error", "error", "attempts",
                      "line"};
                      {"event": "reset"} means "discard the text streamed so far".
    POST /v1/tab    {"file", "cursor_line", "diff", "adapter"?: "tab"|"none"}
                    → {"edit", "source", "rule", "next"}
    POST /v1/score  {"requests": [{"context", "span"}, …]} → {"scores": [...]}
    POST /v1/warm   {"text"} → {"cached_tokens": n}
    GET  /healthz   → {"status": "ok", "model_loaded", "running", "waiting",
                       "adapters": {"apply": bool, "tab": bool}}

One client (so one model) serves every request. At most ``workers`` requests run at once (their
forward passes interleave on the engine's lock); the others wait in per-client queues served
round-robin, so one client's burst cannot starve another. A request whose client disconnects
stops waiting, and a streamed Apply stops generating. Bodies over ``max_body_bytes`` get 413.

``adapter`` chooses the weights of that one request's model calls: the task's fine-tune
(which the service must have loaded), ``"none"`` for the base model, or left out for the
service's configuration (Apply's fine-tune when loaded; Tab's when ``SQUIGGLE_TAB_ADAPTER``
loaded it). Another name, or an adapter the service has not loaded, is a 400 saying which.
/healthz says which task adapters a request may name, never loading the model: before it loads,
those the settings make it load (``SQUIGGLE_APPLY_ADAPTER``, ``SQUIGGLE_TAB_ADAPTER``, whose
directories hold an adapter); after, those the engine holds; null when it cannot tell.
``"none"`` can always be named.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import os
import threading
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import asdict, dataclass, is_dataclass
from typing import TYPE_CHECKING, Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from inference.client import InferenceClient, LocalClient, event_to_json
from inference.edit_history import HistoryError

if TYPE_CHECKING:
    from inference.apply import ApplyEvent

__all__ = ["ServiceLimits", "create_app"]


@dataclass(frozen=True)
class ServiceLimits:
    """Input limits and concurrency of the service."""

    max_body_bytes: int = 1 << 20
    max_file_chars: int = 200_000
    max_score_requests: int = 256
    workers: int = 2
    max_waiting: int = 64


class BadRequest(Exception):
    """The request cannot be served as sent; becomes a JSON error with ``status``."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


class FairQueue:
    """At most ``slots`` holders at once; waiters are served round-robin across clients."""

    def __init__(self, slots: int, max_waiting: int) -> None:
        self.slots = slots
        self.free = slots
        self.max_waiting = max_waiting
        self._waiting: OrderedDict[str, deque[asyncio.Future[None]]] = OrderedDict()

    @property
    def waiting(self) -> int:
        """Requests waiting for a slot."""
        return sum(len(q) for q in self._waiting.values())

    @property
    def running(self) -> int:
        """Slots in use."""
        return self.slots - self.free

    async def acquire(self, client: str) -> None:
        """Wait for a slot (raises BadRequest 503 when too many are waiting)."""
        if self.free > 0 and not self._waiting:
            self.free -= 1
            return
        if self.waiting >= self.max_waiting:
            raise BadRequest("the service is busy: too many requests waiting", 503)
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.setdefault(client, deque()).append(future)
        try:
            await future
        except asyncio.CancelledError:
            if future.done() and not future.cancelled():
                self.release()  # the slot was handed over just as the waiter gave up
            else:
                queue = self._waiting.get(client)
                if queue and future in queue:
                    queue.remove(future)
                    if not queue:
                        del self._waiting[client]
            raise

    def release(self) -> None:
        """Hand the slot to the next client in turn, or free it."""
        while self._waiting:
            client, queue = next(iter(self._waiting.items()))
            future = queue.popleft()
            del self._waiting[client]
            if queue:
                self._waiting[client] = queue  # back of the line: round-robin
            if not future.done():
                future.set_result(None)
                return
        self.free += 1


TOKEN_ENV = "SQUIGGLE_INFERENCE_TOKEN"


def create_app(client: InferenceClient | None = None,
               limits: ServiceLimits | None = None, token: str | None = None) -> Starlette:
    """The ASGI app; ``client`` defaults to an in-process `LocalClient`.

    With a ``token`` (default: $SQUIGGLE_INFERENCE_TOKEN) every /v1/ route wants
    ``Authorization: Bearer <token>``; /healthz stays open.
    """
    client = client if client is not None else LocalClient()
    token = token if token is not None else os.environ.get(TOKEN_ENV, "")
    limits = limits or ServiceLimits()
    queue = FairQueue(limits.workers, limits.max_waiting)

    async def read_json(request: Request) -> dict:
        declared = request.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > limits.max_body_bytes:
            raise BadRequest(f"request body of {declared} bytes exceeds the limit of "
                             f"{limits.max_body_bytes} bytes", 413)
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > limits.max_body_bytes:
                raise BadRequest(f"request body exceeds the limit of {limits.max_body_bytes} "
                                 "bytes", 413)
        try:
            data = json.loads(body)
        except (ValueError, UnicodeDecodeError) as error:
            raise BadRequest(f"request body is not valid JSON: {error}") from error
        if not isinstance(data, dict):
            raise BadRequest("request body must be a JSON object")
        return data

    def text_field(data: dict, name: str, *, required: bool = True) -> str | None:
        value = data.get(name)
        if value is None and not required:
            return None
        if not isinstance(value, str):
            raise BadRequest(f"field {name!r} must be a string")
        if len(value) > limits.max_file_chars:
            raise BadRequest(f"field {name!r} has {len(value)} characters; the limit is "
                             f"{limits.max_file_chars}", 413)
        return value

    def adapter_field(data: dict) -> str | None:
        value = data.get("adapter")
        if value is not None and not isinstance(value, str):
            raise BadRequest("field 'adapter' must be a string (an adapter's name or 'none')")
        return value

    async def run(request: Request, work: Callable[[], Any]) -> Any:
        """Run blocking ``work`` in a thread once a slot is free; give up on disconnect."""
        who = request.client.host if request.client else "?"
        await _until_disconnect(request, queue.acquire(who))
        task = asyncio.ensure_future(asyncio.to_thread(work))
        # The slot is free only when the thread is: a disconnect cannot stop a forward pass.
        task.add_done_callback(lambda _: queue.release())
        return await _until_disconnect(request, asyncio.shield(task))

    async def apply(request: Request) -> Response:
        data = await read_json(request)
        original = text_field(data, "original")
        sketch = text_field(data, "sketch")
        path = text_field(data, "path", required=False)
        decoding = data.get("decoding") or "speculative"
        if decoding not in ("speculative", "greedy", "prompt-lookup"):
            raise BadRequest("decoding must be speculative, greedy or prompt-lookup")
        adapter = adapter_field(data)
        who = request.client.host if request.client else "?"
        await _until_disconnect(request, queue.acquire(who))
        cancel = threading.Event()

        def open_stream() -> Iterator[ApplyEvent]:
            if isinstance(client, LocalClient):
                return client.apply_stream(original, sketch, path=path, decoding=decoding,
                                           adapter=adapter, cancel=cancel)
            return client.apply_stream(original, sketch, path=path, decoding=decoding,
                                       adapter=adapter)

        try:
            # Opened before the response starts: a refused adapter is then a 400, not an
            # error in a 200 stream. In a thread, since checking it may load the model.
            stream = await asyncio.to_thread(open_stream)
        except BaseException:
            queue.release()
            raise

        def events() -> Iterator[dict]:
            for event in stream:
                yield event_to_json(event)

        return _ThreadStream(events, cancel, queue.release)

    async def tab(request: Request) -> Response:
        data = await read_json(request)
        text = text_field(data, "file")
        diff = text_field(data, "diff")
        cursor = data.get("cursor_line")
        if not isinstance(cursor, int) or isinstance(cursor, bool) or cursor < 1:
            raise BadRequest("field 'cursor_line' must be a positive integer (1-based)")
        adapter = adapter_field(data)
        suggestion = await run(request, lambda: client.tab(text, cursor, diff, adapter=adapter))
        return JSONResponse(suggestion.to_json())

    async def score(request: Request) -> Response:
        from inference.span_scoring import ScoreRequest

        data = await read_json(request)
        items = data.get("requests")
        if not isinstance(items, list) or not items:
            raise BadRequest("field 'requests' must be a non-empty list")
        if len(items) > limits.max_score_requests:
            raise BadRequest(f"{len(items)} score requests; the limit is "
                             f"{limits.max_score_requests}", 413)
        requests = []
        for item in items:
            if not isinstance(item, dict):
                raise BadRequest("each score request must be an object with context and span")
            requests.append(ScoreRequest(text_field(item, "context"), text_field(item, "span")))
        scores = await run(request, lambda: client.score(requests))
        return JSONResponse({"scores": [_plain(s) for s in scores]})

    async def warm(request: Request) -> Response:
        data = await read_json(request)
        text = text_field(data, "text")
        cached = await run(request, lambda: client.warm(text))
        return JSONResponse({"cached_tokens": cached})

    async def tokens(request: Request) -> Response:
        data = await read_json(request)
        texts = data.get("texts")
        if not isinstance(texts, list) or not texts or not all(isinstance(t, str) for t in texts):
            raise BadRequest("field 'texts' must be a non-empty list of strings")
        if len(texts) > limits.max_score_requests:
            raise BadRequest(f"{len(texts)} texts; the limit is {limits.max_score_requests}",
                             413)
        counts = await run(request, lambda: [client.count_tokens(t) for t in texts])
        return JSONResponse({"counts": counts})

    async def healthz(request: Request) -> Response:
        loaded = getattr(client, "model_loaded", None)
        adapters = client.adapters() if isinstance(client, LocalClient) else None
        return JSONResponse({"status": "ok", "model_loaded": loaded,
                             "running": queue.running, "waiting": queue.waiting,
                             "adapters": adapters})

    def protected(endpoint: Callable[[Request], Awaitable[Response]]):
        guarded = _guarded(endpoint)
        if not token:
            return guarded
        expected = f"Bearer {token}".encode()

        async def handle(request: Request) -> Response:
            given = request.headers.get("authorization", "").encode()
            if not hmac.compare_digest(given, expected):
                return JSONResponse({"error": "missing or wrong bearer token"}, status_code=401,
                                    headers={"WWW-Authenticate": "Bearer"})
            return await guarded(request)

        return handle

    routes = [
        Route("/v1/apply", protected(apply), methods=["POST"]),
        Route("/v1/tab", protected(tab), methods=["POST"]),
        Route("/v1/score", protected(score), methods=["POST"]),
        Route("/v1/warm", protected(warm), methods=["POST"]),
        Route("/v1/tokens", protected(tokens), methods=["POST"]),
        Route("/healthz", healthz, methods=["GET"]),
    ]

    return Starlette(routes=routes)


class _Disconnected(Exception):
    """The client went away."""


async def _until_disconnect(request: Request, work: Awaitable[Any]) -> Any:
    """Await ``work`` unless the client disconnects first (then raise `_Disconnected`)."""
    task = asyncio.ensure_future(work)
    watch = asyncio.ensure_future(_disconnect(request.receive))
    try:
        done, _ = await asyncio.wait({task, watch}, return_when=asyncio.FIRST_COMPLETED)
        if task in done:
            return task.result()
        task.cancel()
        raise _Disconnected
    finally:
        watch.cancel()


async def _disconnect(receive: Receive) -> None:
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return


def _guarded(endpoint: Callable[[Request], Awaitable[Response]]):
    """Turn the errors an endpoint may raise into JSON responses."""
    from inference.apply import ApplyFailed

    async def handle(request: Request) -> Response:
        try:
            return await endpoint(request)
        except BadRequest as error:
            return JSONResponse({"error": str(error)}, status_code=error.status)
        except HistoryError as error:
            return JSONResponse({"error": f"field 'diff': {error}"}, status_code=400)
        except ApplyFailed as error:
            return JSONResponse({"error": str(error), "attempts": error.attempts,
                                 "line": error.line}, 422)
        except _Disconnected:
            return Response(status_code=499)
        except ValueError as error:  # InvalidRequest, PromptTooLong and other bad input
            status = 413 if type(error).__name__ == "PromptTooLong" else 400
            return JSONResponse({"error": str(error)}, status_code=status)
        except Exception as error:  # noqa: BLE001 - the client gets a message, not a traceback
            name = type(error).__name__
            status = 503 if name == "ModelUnavailable" else 500
            return JSONResponse({"error": f"{name}: {error}"}, status_code=status)

    return handle


def _plain(value: Any) -> Any:
    return asdict(value) if is_dataclass(value) else value


class _ThreadStream(Response):
    """Streams NDJSON lines produced by a blocking iterator in a thread.

    On client disconnect ``cancel`` is set (the producer stops at its next step); ``done`` runs
    once the producer has finished, which releases the request's queue slot.
    """

    media_type = "application/x-ndjson"

    def __init__(self, produce: Callable[[], Iterator[dict]], cancel: threading.Event,
                 done: Callable[[], None]) -> None:
        # No body attribute: init_headers then declares no Content-Length (chunked).
        self.status_code = 200
        self.background = None
        self.init_headers(None)
        self.produce, self.cancel, self.done = produce, cancel, done

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        loop = asyncio.get_running_loop()
        lines: asyncio.Queue[bytes | None] = asyncio.Queue()

        def pump() -> None:
            try:
                for item in self.produce():
                    line = (json.dumps(item) + "\n").encode()
                    loop.call_soon_threadsafe(lines.put_nowait, line)
                    if self.cancel.is_set():
                        break
            except Exception as error:  # noqa: BLE001 - reported in the stream
                line = json.dumps({"event": "error", "error": f"{type(error).__name__}: {error}",
                                   "attempts": []}) + "\n"
                loop.call_soon_threadsafe(lines.put_nowait, line.encode())
            finally:
                loop.call_soon_threadsafe(lines.put_nowait, None)

        producer = asyncio.ensure_future(asyncio.to_thread(pump))
        producer.add_done_callback(lambda _: self.done())
        watch = asyncio.ensure_future(_disconnect(receive))
        try:
            await send({"type": "http.response.start", "status": 200,
                        "headers": self.raw_headers})
            while True:
                getter = asyncio.ensure_future(lines.get())
                await asyncio.wait({getter, watch}, return_when=asyncio.FIRST_COMPLETED)
                if not getter.done():
                    getter.cancel()
                    break  # disconnected
                line = getter.result()
                if line is None:
                    await send({"type": "http.response.body", "body": b"", "more_body": False})
                    break
                await send({"type": "http.response.body", "body": line, "more_body": True})
        except OSError:
            pass  # the client went away while we wrote
        finally:
            self.cancel.set()
            watch.cancel()
