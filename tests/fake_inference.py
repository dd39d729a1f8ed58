"""A stand-in for `python -m inference serve`: a real HTTP server on 127.0.0.1 (stdlib
http.server) that answers the routes the language-model importance stage calls, and can be told
to fail first, as a service that is starting, overloaded or slow does."""

from __future__ import annotations

import json
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeInferenceService(ThreadingHTTPServer):
    """Answers /v1/tokens and /v1/score as `python -m inference serve` does (one token per
    word, a surprisal of 1 nat each); the first requests follow `script` instead: "503" (the
    service failing) or "slow" (an answer `slow_s` seconds late)."""

    daemon_threads = True

    def __init__(self, port: int, script: list[str], slow_s: float = 1.5) -> None:
        super().__init__(("127.0.0.1", port), _Handler)
        self.script = list(script)
        self.slow_s = slow_s
        self.routes: list[str] = []  # every request, in order
        self.lock = threading.Lock()

    def handle_error(self, request, client_address) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):  # a timed-out client left
            super().handle_error(request, client_address)

    def next_behaviour(self, route: str) -> str:
        with self.lock:
            self.routes.append(route)
            return self.script.pop(0) if self.script else "ok"


class _Handler(BaseHTTPRequestHandler):
    server: FakeInferenceService

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        behaviour = self.server.next_behaviour(self.path)
        if behaviour == "503":
            return self._send(503, {"error": "model is loading"})
        if behaviour == "slow":
            time.sleep(self.server.slow_s)
        if self.path == "/v1/tokens":
            return self._send(200, {"counts": [len(t.split()) + 1 for t in body["texts"]]})
        if self.path == "/v1/score":
            return self._send(200, {"scores": [_score(r["span"]) for r in body["requests"]]})
        return self._send(404, {"error": f"no route {self.path}"})

    def _send(self, status: int, payload: dict) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args) -> None:  # keep test output quiet
        pass


def _score(span: str) -> dict:
    words = span.split()
    return {"tokens": words, "token_ids": list(range(len(words))),
            "surprisals": [1.0] * len(words)}


@contextmanager
def serving(port: int, script: list[str], slow_s: float = 1.5
            ) -> Iterator[FakeInferenceService]:
    """The fake service on `port`, answering from a thread; shut down afterwards."""
    service = FakeInferenceService(port, script, slow_s)
    thread = threading.Thread(target=service.serve_forever, daemon=True)
    thread.start()
    try:
        yield service
    finally:
        service.shutdown()
        service.server_close()
        thread.join()
