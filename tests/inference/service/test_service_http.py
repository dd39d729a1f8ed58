"""The inference service over real HTTP (uvicorn on 127.0.0.1), with a scripted model."""

from __future__ import annotations

import asyncio
import json
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from inference.client import HTTPClient, InferenceRejected, LocalClient
from inference.service import FairQueue

ORIGINAL = "import os\n\n\ndef size(path):\n    return os.path.getsize(path)\n"
DETERMINISTIC_SKETCH = (
    "# ... existing code ...\ndef size(path):\n    return os.stat(path).st_size\n")
# Every line new and unlike the original: no placement, so the model writes the file (the
# scripted model writes the original followed by this line).
MODEL_SKETCH = "# ... existing code ...\nQQQ_ZZZ = [[[]]]\n# ... existing code ...\n"
LONG_ORIGINAL = "".join(f"value_{i} = {i}\n" for i in range(40))




@pytest.fixture
def base_url(service_url: str) -> str:
    return service_url


def stream_events(base_url: str, payload: dict) -> list[tuple[float, dict]]:
    started = time.perf_counter()
    events = []
    with httpx.stream("POST", f"{base_url}/v1/apply", json=payload, timeout=30) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("application/x-ndjson")
        for line in response.iter_lines():
            events.append((time.perf_counter() - started, json.loads(line)))
    return events


def test_healthz_reports_ok(base_url: str) -> None:
    """GET /healthz answers 200 with the queue state."""
    body = httpx.get(f"{base_url}/healthz").json()
    assert body["status"] == "ok" and body["waiting"] == 0


def test_apply_deterministic_merge_is_streamed_as_ndjson(base_url: str) -> None:
    """A sketch with unique anchors comes back as a delta and a done event naming the path."""
    events = [e for _, e in stream_events(base_url, {"original": ORIGINAL,
                                                     "sketch": DETERMINISTIC_SKETCH,
                                                     "path": "s.py"})]
    done = events[-1]
    assert done["event"] == "done" and done["path"] == "deterministic"
    assert done["text"] == ORIGINAL.replace("os.path.getsize(path)", "os.stat(path).st_size")
    assert "".join(e["text"] for e in events if e["event"] == "delta") == done["text"]


def test_apply_model_output_streams_before_it_finishes(base_url: str) -> None:
    """Model-written text arrives piece by piece: the first delta well before the end."""
    events = stream_events(base_url, {"original": LONG_ORIGINAL, "sketch": MODEL_SKETCH,
                                      "path": "long.py", "decoding": "greedy"})
    deltas = [(t, e) for t, e in events if e["event"] == "delta"]
    done_at, done = events[-1]
    assert done["event"] == "done" and done["path"] == "model" and done["method"] == "generated"
    assert len(deltas) >= 20
    assert deltas[1][0] < done_at - 0.3  # 40 lines at 20 ms each: early pieces come early


def test_http_client_matches_in_process_client(base_url: str, scripted_engine) -> None:
    """HTTPClient and LocalClient give the same Apply and Tab answers."""
    remote, local = HTTPClient(base_url), LocalClient(scripted_engine)
    for sketch in (DETERMINISTIC_SKETCH, MODEL_SKETCH):
        a = remote.apply(LONG_ORIGINAL if sketch is MODEL_SKETCH else ORIGINAL, sketch,
                         path="x.py")
        b = local.apply(LONG_ORIGINAL if sketch is MODEL_SKETCH else ORIGINAL, sketch,
                        path="x.py")
        assert (a.text, a.path, a.method) == (b.text, b.path, b.method)
    text = "a = f(1)\nb = f(2)\n"
    diff = "--- a/x.py\n+++ b/x.py\n@@ -1,2 +1,2 @@\n-a = f(1)\n+a = g(1)\n b = f(2)\n"
    assert remote.tab("a = g(1)\nb = f(2)\n", 1, diff) == local.tab("a = g(1)\nb = f(2)\n", 1,
                                                                   diff)
    assert text  # the file before the edit, for the reader
    remote.close()


def test_score_round_trips_through_the_http_client(base_url: str) -> None:
    """POST /v1/score returns one SpanScore per request, in order, via HTTPClient."""
    from inference.span_scoring import ScoreRequest

    scores = HTTPClient(base_url).score([ScoreRequest("x = ", "ab cde"), ScoreRequest("", "f")])
    assert [s.surprisals for s in scores] == [[2.0, 3.0], [1.0]]
    assert scores[0].total == 5.0


def test_too_many_score_requests_are_refused(base_url: str) -> None:
    """More span requests than the limit in one call is a 413 naming the limit."""
    response = httpx.post(f"{base_url}/v1/score",
                          json={"requests": [{"context": "", "span": "a"}] * 300})
    assert response.status_code == 413 and "limit" in response.json()["error"]


def test_token_counts_round_trip_and_are_remembered(base_url: str) -> None:
    """POST /v1/tokens counts with the service's tokenizer; the client asks once per text."""
    response = httpx.post(f"{base_url}/v1/tokens", json={"texts": ["a b c", "d"]})
    assert response.json() == {"counts": [4, 2]}
    client = HTTPClient(base_url)
    assert client.count_tokens("x = f(1) + 2") == 6
    client._http.close()  # a second ask needs no connection: it is answered from memory
    assert client.count_tokens("x = f(1) + 2") == 6
    assert httpx.post(f"{base_url}/v1/tokens", json={"texts": []}).status_code == 400


def test_warm_returns_cached_token_count(base_url: str) -> None:
    """POST /v1/warm answers with the number of tokens the model cached."""
    response = httpx.post(f"{base_url}/v1/warm", json={"text": "def f():\n    pass\n"})
    assert response.status_code == 200 and response.json()["cached_tokens"] > 0


@pytest.mark.parametrize(("route", "payload", "status", "words"), [
    ("/v1/apply", {"original": "x" * 15_000, "sketch": "y"}, 413, "limit"),
    ("/v1/apply", {"original": "x = 1\n"}, 400, "sketch"),
    ("/v1/apply", {"original": "x", "sketch": "y", "decoding": "beam"}, 400, "decoding"),
    ("/v1/tab", {"file": "x = 1\n", "cursor_line": 0, "diff": ""}, 400, "cursor_line"),
    ("/v1/tab", {"file": "x = 1\n", "cursor_line": 1, "diff": "not a diff"}, 400, "diff"),
    ("/v1/warm", {"text": 5}, 400, "text"),
])
def test_bad_or_oversized_input_gets_a_clear_json_error(
    base_url: str, route: str, payload: dict, status: int, words: str
) -> None:
    """Each refusal is a 4xx with a JSON error that names the problem."""
    response = httpx.post(f"{base_url}{route}", json=payload)
    assert response.status_code == status
    assert words in response.json()["error"]


def test_oversized_body_is_refused_before_it_is_parsed(base_url: str) -> None:
    """A body over the byte limit gets 413, whatever it contains."""
    response = httpx.post(f"{base_url}/v1/tab", content=b"{" + b" " * 30_000 + b"}",
                          headers={"content-type": "application/json"})
    assert response.status_code == 413 and "bytes" in response.json()["error"]


def test_invalid_json_is_a_400(base_url: str) -> None:
    """A body that is not JSON is refused with a message, not a traceback."""
    response = httpx.post(f"{base_url}/v1/tab", content=b"{nope",
                          headers={"content-type": "application/json"})
    assert response.status_code == 400 and "JSON" in response.json()["error"]


def test_eight_concurrent_clients_all_get_their_answers(base_url: str) -> None:
    """Eight clients at once (two run, six queue): every stream completes correctly."""
    def one(i: int) -> str:
        original = "".join(f"item_{i}_{n} = {n}\n" for n in range(10))
        events = stream_events(base_url, {"original": original, "sketch": MODEL_SKETCH,
                                          "path": f"c{i}.py"})
        assert events[-1][1]["event"] == "done"
        return events[-1][1]["text"] == original + "QQQ_ZZZ = [[[]]]\n"

    with ThreadPoolExecutor(8) as pool:
        assert all(pool.map(one, range(8)))
    assert httpx.get(f"{base_url}/healthz").json()["running"] == 0


def test_client_disconnect_stops_the_generation(base_url: str, scripted_engine) -> None:
    """Closing the connection mid-stream stops generating and frees the slot."""
    before = len(scripted_engine.steps)
    original = "".join(f"line_{n} = {n}\n" for n in range(200))  # ~4 s of scripted output
    with httpx.stream("POST", f"{base_url}/v1/apply", timeout=30, json={
            "original": original, "sketch": MODEL_SKETCH, "path": "d.py"}) as response:
        lines = response.iter_lines()
        next(lines)
        next(lines)
    deadline = time.monotonic() + 5
    while httpx.get(f"{base_url}/healthz").json()["running"] and time.monotonic() < deadline:
        time.sleep(0.05)
    assert httpx.get(f"{base_url}/healthz").json()["running"] == 0
    assert scripted_engine.closed[before] and scripted_engine.steps[before] < 100


def test_http_client_raises_rejected_with_the_service_message(base_url: str) -> None:
    """A 4xx becomes InferenceRejected carrying the service's message."""
    with pytest.raises(InferenceRejected, match="limit"):
        HTTPClient(base_url).apply("x" * 15_000, "y")


def test_fair_queue_serves_clients_round_robin() -> None:
    """With one slot busy, a second client's request goes before the first client's backlog."""
    async def scenario() -> list[str]:
        queue = FairQueue(slots=1, max_waiting=10)
        order: list[str] = []
        await queue.acquire("a")

        async def request(client: str, name: str) -> None:
            await queue.acquire(client)
            order.append(name)
            queue.release()

        tasks = [asyncio.ensure_future(request("a", "a2")),
                 asyncio.ensure_future(request("a", "a3"))]
        await asyncio.sleep(0)
        tasks.append(asyncio.ensure_future(request("b", "b1")))
        await asyncio.sleep(0)
        queue.release()
        await asyncio.gather(*tasks)
        return order

    assert asyncio.run(scenario()) == ["a2", "b1", "a3"]


def test_fair_queue_refuses_when_too_many_wait() -> None:
    """Past max_waiting the queue answers 503 instead of growing without bound."""
    from inference.service import BadRequest

    async def scenario() -> int:
        queue = FairQueue(slots=1, max_waiting=1)
        await queue.acquire("a")
        waiter = asyncio.ensure_future(queue.acquire("a"))
        await asyncio.sleep(0)
        try:
            await queue.acquire("b")
        except BadRequest as error:
            waiter.cancel()
            return error.status
        return 0

    assert asyncio.run(scenario()) == 503


def test_model_file_missing_the_sketch_is_a_clear_failure(scripted_engine) -> None:
    """A written file that lacks the sketch's lines (a model that copied the original) is
    refused: the stream resets and ends with an error naming the missing line."""
    from inference.apply import ApplyFailed, apply_stream
    from inference.client import event_to_json

    silent = type(scripted_engine)(delay=0.0)  # writes the original back, nothing else
    events = list(apply_stream("a = 1\nb = 2\n", MODEL_SKETCH, engine=silent, path="m.py"))
    assert [e.kind for e in events[-2:]] == ["reset", "error"]
    assert isinstance(events[-1].error, ApplyFailed)
    assert "QQQ_ZZZ" in str(events[-1].error)
    assert events[-1].error.line == "QQQ_ZZZ = [[[]]]"
    assert event_to_json(events[-1])["line"] == "QQQ_ZZZ = [[[]]]"  # the service's error event
