"""Service tests' fixtures: a real uvicorn server on a free port, a scripted stand-in model."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import uvicorn

from inference.engine import Generation, GenerationResult, Timings


class ScriptedEngine:
    """Stands in for the language model: "generates" its draft back one line per step, then
    ``extra``, sleeping ``delay`` seconds per step, and records how far each generation got
    and which of its (named, weightless) ``adapters`` it decoded with."""

    tokenizer = None

    def __init__(self, delay: float = 0.0, extra: str = "",
                 adapters: tuple[str, ...] = ()) -> None:
        self.delay = delay
        self.extra = extra
        self.adapters = dict.fromkeys(adapters)
        self.steps: list[int] = []  # lines produced per generation, in start order
        self.closed: list[bool] = []
        self.used_adapters: list[str | None] = []  # per generation, in start order
        self.lock = threading.Lock()

    def count_tokens(self, text: str) -> int:
        return len(text.split()) + 1

    def load_adapter(self, name: str, directory) -> None:
        """Takes the name only: a scripted model has no weights to adapt."""
        self.adapters[name] = None

    def generate(self, prompt: str, *, max_new_tokens: int, decoding: str = "speculative",
                 draft: str | None = None, stop=None, adapter=None) -> Generation:
        lines = (draft or "").splitlines(keepends=True) + self.extra.splitlines(keepends=True)
        if adapter is not None and adapter not in self.adapters:
            raise ValueError(f"no adapter named {adapter!r} is loaded")  # as the engine does
        with self.lock:
            number = len(self.steps)
            self.steps.append(0)
            self.closed.append(False)
            self.used_adapters.append(adapter)
        generation = Generation(iter(()))

        def pieces() -> Iterator[str]:
            started = time.perf_counter()
            try:
                for line in lines:
                    time.sleep(self.delay)
                    self.steps[number] += 1
                    yield line
            finally:
                self.closed[number] = self.steps[number] < len(lines)
                generation.result = GenerationResult(
                    "".join(lines[: self.steps[number]]), list(range(self.steps[number])),
                    "eos", Timings(total_s=time.perf_counter() - started))

        generation._pieces = pieces()
        return generation

    def generate_text(self, prompt: str, **options) -> GenerationResult:
        generation = self.generate(prompt, **options)
        for _ in generation:
            pass
        return generation.result

    def warm(self, text: str) -> int:
        return self.count_tokens(text)

    def score(self, requests):
        """One "token" per word of the span, surprisal = its length (checkable by hand)."""
        from inference.span_scoring import SpanScore

        return [SpanScore(r.span.split(), list(range(len(r.span.split()))),
                          [float(len(w)) for w in r.span.split()]) for r in requests]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def scripted_engine() -> ScriptedEngine:
    """A scripted model producing a line every 20 ms: the original, then the line of
    ``MODEL_SKETCH`` (so the merge it writes contains the sketch)."""
    return ScriptedEngine(delay=0.02, extra="QQQ_ZZZ = [[[]]]\n")


@pytest.fixture(scope="module")
def service_url(scripted_engine: ScriptedEngine) -> Iterator[str]:
    """Base URL of the service on the scripted model, with small limits, two workers."""
    from inference.client import LocalClient
    from inference.service import ServiceLimits, create_app

    limits = ServiceLimits(max_body_bytes=20_000, max_file_chars=10_000, workers=2)
    with running_server(create_app(LocalClient(scripted_engine), limits)) as url:
        yield url


@pytest.fixture(scope="session")
def serve_scripted():
    """``with serve_scripted(adapters) as (url, engine):`` the service, with small limits, on a
    fresh scripted model (no delay; it writes the original, then ``MODEL_SKETCH``'s line)
    that has the named ``adapters`` loaded."""
    from inference.client import LocalClient
    from inference.service import ServiceLimits, create_app

    @contextmanager
    def start(adapters: tuple[str, ...] = ()) -> Iterator[tuple[str, ScriptedEngine]]:
        engine = ScriptedEngine(extra="QQQ_ZZZ = [[[]]]\n", adapters=adapters)
        limits = ServiceLimits(max_body_bytes=20_000, max_file_chars=10_000)
        with running_server(create_app(LocalClient(engine), limits)) as url:
            yield url, engine

    return start


@pytest.fixture(scope="session")
def serve():
    """``with serve(app) as base_url:`` runs an ASGI app on a real uvicorn server."""
    return running_server


@contextmanager
def running_server(app) -> Iterator[str]:
    """Serve ``app`` with uvicorn on 127.0.0.1 in a thread; yields the base URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                           lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
