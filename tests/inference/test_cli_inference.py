"""`python -m inference apply|tab` as a user runs them (cases that need no model)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ORIGINAL = "def area(w, h):\n    return w * h\n\n\ndef perimeter(w, h):\n    return 2 * (w + h)\n"
RENAME_DIFF = ("--- a/calc.py\n+++ b/calc.py\n@@ -1,2 +1,2 @@\n-total = price(a)\n"
               "+total = cost(a)\n shown = price(b)\n")


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SQUIGGLE_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return subprocess.run([sys.executable, "-m", "inference", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=60)


def test_apply_prints_the_merged_file_and_reports_the_path(tmp_path: Path) -> None:
    """stdout is exactly the merged file; stderr says which path merged it."""
    (tmp_path / "shapes.py").write_text(ORIGINAL)
    (tmp_path / "edit.txt").write_text(
        "# ... existing code ...\ndef perimeter(w, h):\n    return 2 * w + 2 * h\n")
    result = run("apply", "--original", "shapes.py", "--sketch", "edit.txt", "--decoding",
                 "greedy", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == ORIGINAL.replace("2 * (w + h)", "2 * w + 2 * h")
    assert "path=deterministic" in result.stderr


def test_apply_missing_file_exits_2_with_a_message(tmp_path: Path) -> None:
    """A missing --original is a usage error naming the file, not a traceback."""
    result = run("apply", "--original", "nope.py", "--sketch", "nope.txt", cwd=tmp_path)
    assert result.returncode == 2
    assert "nope.py" in result.stderr and "Traceback" not in result.stderr


def test_apply_rejects_an_unknown_decoding(tmp_path: Path) -> None:
    """--decoding accepts only speculative, greedy and prompt-lookup."""
    result = run("apply", "--original", "a", "--sketch", "b", "--decoding", "beam",
                 cwd=tmp_path)
    assert result.returncode == 2 and "invalid choice" in result.stderr


def test_tab_json_answers_with_the_next_edit(tmp_path: Path) -> None:
    """A rename applied once: the JSON answer is the edit at the next use (DESIGN contract)."""
    before = "total = price(a)\nshown = price(b)\n"
    (tmp_path / "calc.py").write_text("total = cost(a)\nshown = price(b)\n")
    history = {"path": "calc.py", "cursor_line": 1, "diff": RENAME_DIFF}
    (tmp_path / "edits.json").write_text(json.dumps(history))
    result = run("tab", "--file", "calc.py", "--history", "edits.json", "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["edit"] == {"start_line": 2, "end_line": 2, "new_text": "shown = cost(b)\n"}
    assert before  # the file before the rename, for the reader


def test_adapter_is_chosen_per_command_and_checked(tmp_path: Path) -> None:
    """--adapter none (the base model) answers as usual where no model is needed; a name the
    command cannot use is a usage error (status 2)."""
    (tmp_path / "calc.py").write_text("total = cost(a)\nshown = price(b)\n")
    (tmp_path / "edits.json").write_text(json.dumps({"path": "calc.py", "cursor_line": 1,
                                                     "diff": RENAME_DIFF}))
    tab = run("tab", "--file", "calc.py", "--history", "edits.json", "--json", "--adapter",
              "none", cwd=tmp_path)
    assert tab.returncode == 0, tab.stderr
    assert json.loads(tab.stdout)["edit"]["new_text"] == "shown = cost(b)\n"
    (tmp_path / "shapes.py").write_text(ORIGINAL)
    (tmp_path / "edit.txt").write_text("# ... existing code ...\ndef perimeter(w, h):\n"
                                       "    return 2 * w + 2 * h\n")
    merged = run("apply", "--original", "shapes.py", "--sketch", "edit.txt", "--adapter",
                 "none", cwd=tmp_path)
    assert merged.returncode == 0 and "path=deterministic" in merged.stderr, merged.stderr
    wrong = run("tab", "--file", "calc.py", "--history", "edits.json", "--adapter", "apply",
                cwd=tmp_path)
    assert wrong.returncode == 2 and "invalid choice" in wrong.stderr


def test_tab_bad_history_exits_2(tmp_path: Path) -> None:
    """A history file without cursor_line is refused with a clear message."""
    (tmp_path / "f.py").write_text("x = 1\n")
    (tmp_path / "h.json").write_text(json.dumps({"path": "f.py", "diff": ""}))
    result = run("tab", "--file", "f.py", "--history", "h.json", "--json", cwd=tmp_path)
    assert result.returncode == 2 and "cursor_line" in result.stderr


def test_serve_answers_health_and_apply_over_http(tmp_path: Path) -> None:
    """`python -m inference serve --port N` serves /healthz and a deterministic /v1/apply."""
    import socket
    import time

    import httpx

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("SQUIGGLE_")}
    env["PYTHONPATH"] = str(ROOT)
    server = subprocess.Popen([sys.executable, "-m", "inference", "serve", "--port", str(port)],
                              cwd=tmp_path, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "the service did not start"
                time.sleep(0.2)
        assert health.json()["status"] == "ok"
        sketch = "# ... existing code ...\ndef perimeter(w, h):\n    return 2 * w + 2 * h\n"
        lines = httpx.post(f"http://127.0.0.1:{port}/v1/apply", timeout=30, json={
            "original": ORIGINAL, "sketch": sketch, "path": "shapes.py"}).text.splitlines()
        assert json.loads(lines[-1])["text"] == ORIGINAL.replace("2 * (w + h)", "2 * w + 2 * h")
    finally:
        server.terminate()
        server.wait(timeout=10)
