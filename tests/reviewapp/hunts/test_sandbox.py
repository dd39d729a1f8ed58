"""The sandbox contains what a user's tests may do, reports it, and leaves the host alone."""

from __future__ import annotations

import os
import time
import uuid
from pathlib import Path

import pytest

from reviewapp.hunts.engine.sandbox import BWRAP, NONE, Sandbox, SandboxLimits, detect_isolation


@pytest.fixture
def box(tmp_path: Path):
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "m.py").write_text("X = 1\n")
    sandbox = Sandbox.from_repository(repo, SandboxLimits(wall_s=20, cpu_s=10, processes=40,
                                                          memory_bytes=1024**3))
    yield sandbox
    sandbox.close()


def python(code: str) -> list[str]:
    return ["python", "-c", code]


def needs_namespaces() -> None:
    if detect_isolation()[0] == NONE:
        pytest.skip("this host allows no network namespace: " + "; ".join(detect_isolation()[1]))


def test_the_isolation_level_is_reported(box):
    result = box.run(python("print('hi')"))
    assert result.returncode == 0 and result.stdout.strip() == "hi"
    assert result.isolation == box.isolation == detect_isolation()[0]


def test_opening_a_socket_fails_inside(box):
    needs_namespaces()
    result = box.run(python(
        "import socket\n"
        "try:\n"
        "    socket.create_connection(('1.1.1.1', 80), timeout=3)\n"
        "    print('CONNECTED')\n"
        "except OSError as exc:\n"
        "    print('REFUSED', exc)\n"))
    assert "REFUSED" in result.stdout and "CONNECTED" not in result.stdout


def test_writing_outside_scratch_is_refused(box):
    if box.isolation != BWRAP:
        pytest.skip("only bubblewrap makes the host read-only")
    # Beside this test file: a host path (the sandbox's /tmp is its own empty tmpfs).
    outside = Path(__file__).with_name(f"outside-{uuid.uuid4().hex}.txt")
    result = box.run(python(f"open({str(outside)!r}, 'w').write('x')"))
    assert result.returncode != 0 and "Read-only file system" in result.stderr
    assert not outside.exists()
    inside = box.run(python("open('written.txt', 'w').write('ok')"))
    assert inside.returncode == 0 and (box.work / "written.txt").read_text() == "ok"


def test_a_fork_bomb_is_capped_and_the_host_keeps_forking(box):
    started = time.monotonic()
    result = box.run(python("import os\nwhile True:\n    os.fork()\n"), timeout_s=10)
    assert result.returncode != 0
    assert "processes" in result.limits_hit or "wall time" in result.limits_hit
    assert time.monotonic() - started < 30
    pid = os.fork()  # the host can still start processes
    if pid == 0:
        os._exit(0)
    assert os.waitpid(pid, 0)[1] == 0


def test_allocating_ten_gigabytes_fails_inside(box):
    result = box.run(python("b = bytearray(10 * 1024 ** 3)\nprint('ALLOCATED')"))
    assert result.returncode != 0 and "MemoryError" in result.stderr
    assert "ALLOCATED" not in result.stdout


def test_sleeping_forever_is_killed_at_the_wall_limit(box):
    started = time.monotonic()
    result = box.run(python("import subprocess, time\n"
                            "subprocess.Popen(['sleep', '1000'])\n"
                            "time.sleep(1000)\n"), timeout_s=2)
    assert result.timed_out and "wall time" in result.limits_hit
    assert time.monotonic() - started < 15
    leftovers = [p for p in Path("/proc").iterdir() if p.name.isdigit()
                 and _cmdline(p) == "sleep\x001000\x00"]
    assert leftovers == []


def test_burning_cpu_stops_at_the_cpu_limit(tmp_path):
    (tmp_path / "repo").mkdir()
    with Sandbox.from_repository(tmp_path / "repo", SandboxLimits(cpu_s=2, wall_s=60)) as box:
        result = box.run(python("while True:\n    pass\n"))
    assert result.returncode != 0 and not result.timed_out
    assert "cpu time" in result.limits_hit


def test_secrets_in_the_environment_do_not_reach_the_command(box, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://secret@db/prod")
    monkeypatch.setenv("SQUIGGLE_GITHUB_TOKEN", "ghp_secret")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "aws-secret")
    result = box.run(python("import os\nprint(sorted(os.environ))\n"
                            "print(os.environ.get('DATABASE_URL'))"))
    assert "secret" not in result.stdout
    assert "DATABASE_URL" not in result.stdout and "TOKEN" not in result.stdout
    assert str(box.root) in box.environment()["HOME"]


def test_a_project_laid_out_under_src_imports_its_package_without_an_install(tmp_path):
    repo = tmp_path / "repo"
    (repo / "src" / "shop").mkdir(parents=True)
    (repo / "src" / "shop" / "__init__.py").write_text("NAME = 'shop'\n")
    with Sandbox.from_repository(repo, SandboxLimits(wall_s=20)) as sandbox:
        result = sandbox.run(python("import shop; print(shop.NAME)"))
    assert result.returncode == 0 and result.stdout.strip() == "shop"


def test_a_plain_src_folder_is_not_put_on_the_import_path(box):
    (box.work / "src").mkdir()
    (box.work / "src" / "notes.txt").write_text("not a package\n")
    assert "PYTHONPATH" not in box.environment()


def _cmdline(proc: Path) -> str:
    try:
        return (proc / "cmdline").read_text()
    except OSError:
        return ""


def test_an_interpreter_under_tmp_stays_visible_behind_the_fresh_tmp(tmp_path, monkeypatch):
    """CI checkouts often live in /tmp, which the sandbox replaces with an empty tmpfs."""
    import sys

    from reviewapp.hunts.engine.sandbox import _interpreter_binds

    venv = tmp_path / "venv"
    (venv / "lib").mkdir(parents=True)
    monkeypatch.setattr(sys, "prefix", str(venv))
    monkeypatch.setattr(sys, "path", [*sys.path, str(venv / "lib")])
    binds = _interpreter_binds()
    assert ["--ro-bind", str(venv.resolve()), str(venv.resolve())] == binds[
        binds.index(str(venv.resolve())) - 1:binds.index(str(venv.resolve())) + 2]
    assert str((venv / "lib").resolve()) not in binds  # inside a folder already bound
