"""The ``adapter`` field of /v1/tab and /v1/apply over real HTTP: each request picks the task's
fine-tune or the base model, leaving it out keeps the service's configuration, and a name the
service cannot serve is a 400 that says why (never a 500, never a failed 200 stream)."""

from __future__ import annotations

import json

import httpx
import pytest

from inference.client import HTTPClient, InferenceRejected, LocalClient

# No recent edits, so no pattern answers: every Tab request reaches the model stage.
TAB_FILE = "".join(f"value_{i} = {i}\n" for i in range(12))
# A rename made once and due again on the next line: the patterns answer, no model needed.
RENAMED = "a = g(1)\nb = f(2)\n"
RENAME_DIFF = "--- a/x.py\n+++ b/x.py\n@@ -1,2 +1,2 @@\n-a = f(1)\n+a = g(1)\n b = f(2)\n"
ORIGINAL = "".join(f"item_{n} = {n}\n" for n in range(6))
# Unlike every line of the original: the scripted model writes the merge (original + it).
MODEL_SKETCH = "# ... existing code ...\nQQQ_ZZZ = [[[]]]\n# ... existing code ...\n"


@pytest.fixture
def both_loaded(serve_scripted):
    """(url, model) of a service whose model has Apply's and Tab's adapters loaded."""
    with serve_scripted(("apply", "tab")) as started:
        yield started


@pytest.fixture
def none_loaded(serve_scripted):
    """(url, model) of a service whose model has no adapter loaded."""
    with serve_scripted(()) as started:
        yield started


def tab(url: str, **fields) -> httpx.Response:
    return httpx.post(f"{url}/v1/tab", json={"file": TAB_FILE, "cursor_line": 6, "diff": "",
                                             **fields}, timeout=30)


def apply_done(url: str, **fields) -> dict:
    """The final event of a streamed Apply (the response must be a 200 stream)."""
    with httpx.stream("POST", f"{url}/v1/apply", timeout=30, json={
            "original": ORIGINAL, "sketch": MODEL_SKETCH, "path": "m.py", **fields}) as response:
        assert response.status_code == 200
        return [json.loads(line) for line in response.iter_lines()][-1]


def test_each_tab_request_decodes_with_the_adapter_it_names(both_loaded) -> None:
    """Left out: the service's Tab adapter (loaded); "none": the base model; "tab": the
    adapter. The same request with another adapter is not answered from memory."""
    url, engine = both_loaded
    for fields in ({}, {"adapter": "none"}, {"adapter": "tab"}, {"adapter": "none"}):
        response = tab(url, **fields)
        assert response.status_code == 200, response.text
    assert engine.used_adapters == ["tab", None, "tab"]  # the second "none" came from memory


def test_tab_keeps_the_base_model_when_its_adapter_is_not_loaded(none_loaded) -> None:
    """Without the Tab adapter loaded, a request that does not choose gets the base model."""
    url, engine = none_loaded
    assert tab(url).status_code == 200
    assert tab(url, adapter="none").status_code == 200
    assert engine.used_adapters == [None, None]


@pytest.mark.parametrize(("fields", "words"), [
    ({"adapter": "tab"}, ["not loaded", "SQUIGGLE_TAB_ADAPTER"]),
    ({"adapter": "apply"}, ["unknown adapter 'apply'", "'tab'", "'none'"]),
    ({"adapter": "Tab"}, ["unknown adapter 'Tab'"]),
    ({"adapter": 3}, ["field 'adapter'"]),
])
def test_tab_refuses_an_adapter_it_cannot_serve_with_a_400(none_loaded, fields, words) -> None:
    """The refusal names the problem, even where a pattern would have answered alone."""
    url, engine = none_loaded
    for payload in ({"file": TAB_FILE, "cursor_line": 6, "diff": ""},
                    {"file": RENAMED, "cursor_line": 1, "diff": RENAME_DIFF}):
        response = httpx.post(f"{url}/v1/tab", json={**payload, **fields}, timeout=30)
        assert response.status_code == 400
        assert all(word in response.json()["error"] for word in words), response.json()
    assert engine.used_adapters == []


def test_each_apply_request_writes_with_the_adapter_it_names(both_loaded) -> None:
    """The model-written merge reports the adapter it decoded with: Apply's by default."""
    url, engine = both_loaded
    answers = [apply_done(url, **fields) for fields in ({}, {"adapter": "none"},
                                                        {"adapter": "apply"})]
    assert [a["event"] for a in answers] == ["done"] * 3
    assert [a["generation"]["adapter"] for a in answers] == ["apply", None, "apply"]
    assert engine.used_adapters == ["apply", None, "apply"]
    assert {a["text"] for a in answers} == {ORIGINAL + "QQQ_ZZZ = [[[]]]\n"}


@pytest.mark.parametrize(("loaded", "adapter", "words"), [
    ((), "apply", ["not loaded", "SQUIGGLE_APPLY_ADAPTER"]),
    (("apply", "tab"), "tab", ["unknown adapter 'tab'", "'apply'"]),
    (("apply",), ["apply"], ["field 'adapter'"]),
])
def test_apply_refuses_an_adapter_it_cannot_serve_with_a_400(serve_scripted, loaded, adapter,
                                                             words) -> None:
    """A bad adapter is refused before the stream starts: a JSON 400, not a 200 stream."""
    with serve_scripted(loaded) as (url, engine):
        response = httpx.post(f"{url}/v1/apply", timeout=30, json={
            "original": ORIGINAL, "sketch": MODEL_SKETCH, "adapter": adapter})
        assert response.status_code == 400
        assert all(word in response.json()["error"] for word in words), response.json()
        assert httpx.get(f"{url}/healthz").json()["running"] == 0  # the slot was given back
    assert engine.used_adapters == []


def test_the_http_client_carries_the_adapter(both_loaded) -> None:
    """HTTPClient sends the choice and answers as the in-process client does; a refusal comes
    back as InferenceRejected with the service's reason."""
    url, engine = both_loaded
    remote, local = HTTPClient(url), LocalClient(engine)
    assert remote.tab(TAB_FILE, 6, "", adapter="none") == local.tab(TAB_FILE, 6, "",
                                                                     adapter="none")
    merged = remote.apply(ORIGINAL, MODEL_SKETCH, path="m.py", adapter="none")
    assert merged.generation is not None and merged.generation["adapter"] is None
    assert engine.used_adapters == [None, None, None]
    with pytest.raises(InferenceRejected, match="unknown adapter") as refused:
        remote.tab(TAB_FILE, 6, "", adapter="apply")
    assert refused.value.status == 400
    remote.close()
