"""/healthz says which adapters a request may name, from the settings before the model loads and
from the engine after, never loading it; what it lists is what /v1/tab and /v1/apply accept."""

from __future__ import annotations

import httpx
import pytest

import inference.engine as engine_module
from inference.client import HTTPClient, LocalClient
from inference.lora import AdapterMismatch
from inference.service import ServiceLimits, create_app
from tests.inference.service.conftest import ScriptedEngine, running_server

TAB_FILE = "".join(f"value_{i} = {i}\n" for i in range(12))
ORIGINAL = "".join(f"item_{n} = {n}\n" for n in range(6))
MODEL_SKETCH = "# ... existing code ...\nQQQ_ZZZ = [[[]]]\n# ... existing code ...\n"


class MismatchedEngine(ScriptedEngine):
    """A model the configured adapters do not fit: every load is refused, as for another model."""

    def load_adapter(self, name: str, directory) -> None:
        raise AdapterMismatch(f"{directory} belongs to another model")


@pytest.fixture
def default_service(monkeypatch):
    """``start(engine_class)``: (url, built) of the service on `get_engine`'s default engine,
    built (lazily, once a request needs it) as an ``engine_class`` instead of the real model;
    ``built`` holds it once built."""
    monkeypatch.setattr(engine_module, "_engine", None)
    built: list[ScriptedEngine] = []

    def start(engine_class=ScriptedEngine):
        def build() -> ScriptedEngine:
            built.append(engine_class(extra="QQQ_ZZZ = [[[]]]\n"))
            return built[-1]

        monkeypatch.setattr(engine_module, "Engine", build)
        app = create_app(LocalClient(), ServiceLimits(max_body_bytes=20_000,
                                                      max_file_chars=10_000))
        return running_server(app), built

    return start


def health(url: str) -> dict:
    return httpx.get(f"{url}/healthz", timeout=10).json()


def tab_status(url: str, adapter: str) -> int:
    return httpx.post(f"{url}/v1/tab", timeout=30, json={
        "file": TAB_FILE, "cursor_line": 6, "diff": "", "adapter": adapter}).status_code


def apply_status(url: str, adapter: str) -> int:
    return httpx.post(f"{url}/v1/apply", timeout=30, json={
        "original": ORIGINAL, "sketch": MODEL_SKETCH, "adapter": adapter}).status_code


def adapter_dir(tmp_path, holds_adapter: bool) -> str:
    directory = tmp_path / ("adapter" if holds_adapter else "empty")
    directory.mkdir()
    if holds_adapter:
        (directory / engine_module.ADAPTER_CONFIG_FILE).write_text("{}")
    return str(directory)


@pytest.mark.parametrize(("apply_setting", "tab_setting", "expected"), [
    (None, None, {"apply": True, "tab": False}),  # the committed Apply adapter; Tab's is off
    (None, "default", {"apply": True, "tab": True}),
    ("none", "none", {"apply": False, "tab": False}),
    ("empty", "adapter", {"apply": False, "tab": True}),  # a directory without an adapter
])
def test_healthz_lists_the_configured_adapters_before_and_after_loading(
        default_service, monkeypatch, tmp_path, apply_setting, tab_setting, expected) -> None:
    """The same answer before the model loads (from the settings) and after (from the engine),
    and each adapter listed is accepted by name while one not listed is a 400."""
    dirs = {name: adapter_dir(tmp_path, name == "adapter") for name in ("adapter", "empty")}
    for variable, setting in (("SQUIGGLE_APPLY_ADAPTER", apply_setting),
                              ("SQUIGGLE_TAB_ADAPTER", tab_setting)):
        if setting is None:
            monkeypatch.delenv(variable, raising=False)
        else:
            monkeypatch.setenv(variable, dirs.get(setting, setting))
    server, built = default_service()
    with server as url:
        before = health(url)
        assert before["model_loaded"] is False and before["adapters"] == expected
        assert built == []  # asking did not load the model
        assert HTTPClient(url).adapters() == expected
        assert apply_status(url, "apply") == (200 if expected["apply"] else 400)
        assert tab_status(url, "tab") == (200 if expected["tab"] else 400)
        assert tab_status(url, "none") == 200 and apply_status(url, "none") == 200
        after = health(url)
    assert after["model_loaded"] is True and after["adapters"] == expected
    assert len(built) == 1 and sorted(built[0].adapters) == sorted(
        name for name, available in expected.items() if available)


def test_healthz_follows_the_engine_once_an_adapter_turns_out_not_to_fit(
        default_service, monkeypatch) -> None:
    """Configured (so listed before loading) but refused by the model: listed no longer, and
    naming it is a 400."""
    monkeypatch.delenv("SQUIGGLE_APPLY_ADAPTER", raising=False)
    monkeypatch.setenv("SQUIGGLE_TAB_ADAPTER", "default")
    server, built = default_service(MismatchedEngine)
    with server as url:
        assert health(url)["adapters"] == {"apply": True, "tab": True}
        assert tab_status(url, "none") == 200  # loads the model
        assert health(url)["adapters"] == {"apply": False, "tab": False}
        assert tab_status(url, "tab") == 400 and apply_status(url, "apply") == 400
    assert built[0].used_adapters == [None]


@pytest.mark.parametrize("loaded", [(), ("apply",), ("apply", "tab")])
def test_healthz_lists_what_a_given_engine_holds(serve_scripted, loaded) -> None:
    """A service on a loaded engine reports its adapters, whatever the settings say."""
    with serve_scripted(loaded) as (url, _):
        body = health(url)
        assert body["model_loaded"] is True
        assert body["adapters"] == {"apply": "apply" in loaded, "tab": "tab" in loaded}


def test_healthz_cannot_tell_for_an_engine_factory_not_yet_run(serve) -> None:
    """Another factory's adapters are unknown until it runs: null, not a guess."""
    with serve(create_app(LocalClient(lambda: ScriptedEngine(adapters=("tab",))))) as url:
        assert health(url)["adapters"] is None
        assert tab_status(url, "tab") == 200
        assert health(url)["adapters"] == {"apply": False, "tab": True}
