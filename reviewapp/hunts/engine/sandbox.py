"""The sandbox: the only way a bug hunt ever runs a user's code.

A `Sandbox` owns a scratch copy of the repository and runs commands in it with:
- no network (bubblewrap `--unshare-net`, else `unshare -rn`, else nothing: `isolation` says
  which one ran, and `unavailable` lists why the stronger ones were refused);
- a read-only view of the host except the scratch directory (bubblewrap only; the weaker
  levels point HOME and TMPDIR into scratch and say so);
- rlimits on CPU seconds, address space, file size and process count, plus a pids cgroup
  when the host lets us create one (root ignores RLIMIT_NPROC, a cgroup does not);
- a wall-time timeout that kills the whole process group (and, under bubblewrap, the whole
  pid namespace);
- an environment built from scratch: nothing of the caller's (database URL, tokens, keys)
  reaches the command.
"""

from __future__ import annotations

import io
import os
import resource
import shutil
import signal
import subprocess
import sys
import tarfile
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

BWRAP = "bubblewrap"
UNSHARE = "unshare"
NONE = "none"
# What each level contains, in words shown to the user.
ISOLATION_WORDS = {
    BWRAP: "bubblewrap: no network, host read-only, writes only in scratch, own pid namespace",
    UNSHARE: "unshare: no network; the host file system is NOT protected (HOME/TMPDIR in scratch)",
    NONE: "no namespace isolation available: network and host files are NOT protected "
          "(HOME/TMPDIR in scratch, rlimits only)",
}
_IGNORED_IN_COPY = shutil.ignore_patterns(".git", "__pycache__", ".pytest_cache", "*.pyc",
                                          ".coverage", ".venv", "node_modules", ".tox")
_OUTPUT_LIMIT = 200_000  # characters of stdout/stderr kept per run
# Runs inside the sandbox around the command: the CPU seconds of everything it started, which
# the host cannot see once a pid namespace sits between them.
_CPU_METER = (
    "import os,resource,subprocess,sys\n"
    "code=subprocess.call(sys.argv[2:])\n"
    "u=resource.getrusage(resource.RUSAGE_CHILDREN)\n"
    "open(sys.argv[1],'w').write(str(u.ru_utime+u.ru_stime))\n"
    "sys.exit(code if code>=0 else 128-code)\n"
)


@dataclass(frozen=True)
class SandboxLimits:
    """Per-run limits; a run over any of them is stopped and reported."""

    wall_s: float = 60.0
    cpu_s: int = 60
    memory_bytes: int = 2 * 1024**3
    file_bytes: int = 64 * 1024**2
    # RLIMIT_NPROC counts all of the user's processes (root is exempt: the pids cgroup caps it)
    processes: int = 128


@dataclass
class RunResult:
    """What one sandboxed command did."""

    argv: list[str]
    returncode: int
    stdout: str
    stderr: str
    wall_s: float
    cpu_s: float
    timed_out: bool = False
    isolation: str = NONE
    limits_hit: list[str] = field(default_factory=list)

    @property
    def output(self) -> str:
        return (self.stdout + ("\n" + self.stderr if self.stderr else "")).strip()


@lru_cache(maxsize=1)
def detect_isolation() -> tuple[str, tuple[str, ...]]:
    """The strongest isolation this host allows, and why stronger ones were refused."""
    refused: list[str] = []
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        refused.append("bubblewrap is not installed (apt-get install bubblewrap)")
    else:
        probe = subprocess.run(
            [bwrap, "--unshare-net", "--unshare-pid", "--die-with-parent", "--ro-bind", "/", "/",
             "--dev", "/dev", "--proc", "/proc", "true"],
            capture_output=True, text=True, timeout=30,
        )
        if probe.returncode == 0:
            return BWRAP, tuple(refused)
        refused.append(f"the kernel refused bubblewrap: {probe.stderr.strip()[:200]}")
    unshare = shutil.which("unshare")
    if unshare is None:
        refused.append("unshare is not installed")
    else:
        probe = subprocess.run([unshare, "-rn", "true"], capture_output=True, text=True,
                               timeout=30)
        if probe.returncode == 0:
            return UNSHARE, tuple(refused)
        refused.append(f"the kernel refused a network namespace: {probe.stderr.strip()[:200]}")
    return NONE, tuple(refused)


def copy_repository(source: Path, destination: Path) -> None:
    """Copy a working tree without VCS metadata or caches (the tests run on the files)."""
    shutil.copytree(source, destination, ignore=_IGNORED_IN_COPY, symlinks=True)


class _PidsCgroup:
    """A v1/v2 pids cgroup capping the processes of one run, when the host allows it."""

    ROOTS = (Path("/sys/fs/cgroup/pids"), Path("/sys/fs/cgroup"))

    def __init__(self, limit: int) -> None:
        self.path: Path | None = None
        for root in self.ROOTS:
            if not (root / "cgroup.procs").exists():
                continue
            path = root / f"squiggle-hunt-{uuid.uuid4().hex[:12]}"
            try:
                path.mkdir()
                (path / "pids.max").write_text(str(limit))
            except OSError:
                if path.exists():
                    _rmdir_quietly(path)
                continue
            self.path = path
            return

    def procs_file(self) -> str | None:
        return str(self.path / "cgroup.procs") if self.path else None

    def hit_limit(self) -> bool:
        if self.path is None:
            return False
        try:
            events = (self.path / "pids.events").read_text()
        except OSError:
            return False
        return any(line.split()[-1] != "0" for line in events.splitlines() if "max" in line)

    def close(self) -> None:
        if self.path is None:
            return
        try:
            for pid in (self.path / "cgroup.procs").read_text().split():
                _kill_quietly(int(pid))
        except OSError:
            pass
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and not _rmdir_quietly(self.path):
            time.sleep(0.05)


def _rmdir_quietly(path: Path) -> bool:
    try:
        path.rmdir()
        return True
    except OSError:
        return False


def _kill_quietly(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except OSError:
        pass


def _limit_child(limits: SandboxLimits, cgroup_procs: str | None):
    """A preexec function: join the cgroup and set rlimits in the child before exec."""

    def apply() -> None:
        if cgroup_procs:
            with open(cgroup_procs, "w") as handle:
                handle.write(str(os.getpid()))
        resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_s, limits.cpu_s + 1))
        resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))
        resource.setrlimit(resource.RLIMIT_FSIZE, (limits.file_bytes, limits.file_bytes))
        resource.setrlimit(resource.RLIMIT_NPROC, (limits.processes, limits.processes))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    return apply



def _interpreter_binds() -> list[str]:
    """Read-only binds of this interpreter's folders that the sandbox's fresh /tmp would hide
    (a virtual environment or checkout under /tmp, as CI machines often have)."""
    tmp = Path("/tmp")
    wanted = {Path(sys.prefix), Path(sys.base_prefix), Path(sys.exec_prefix),
              Path(os.path.realpath(sys.executable)).parent}
    wanted |= {Path(entry) for entry in sys.path if entry and os.path.isdir(entry)}
    hidden = sorted({p.resolve() for p in wanted if tmp in p.resolve().parents},
                    key=lambda path: len(path.parts))
    kept: list[Path] = []
    for path in hidden:
        if not any(parent in path.parents for parent in kept):
            kept.append(path)
    return [arg for path in kept for arg in ("--ro-bind", str(path), str(path))]

class Sandbox:
    """A scratch copy of a repository and a way to run commands in it, contained.

    Example::

        with Sandbox.from_repository(Path("proj")) as box:
            result = box.run(["python", "-m", "pytest", "-q"])
    """

    def __init__(self, scratch: Path, limits: SandboxLimits | None = None,
                 isolation: str | None = None) -> None:
        self.root = scratch  # the directory holding work/, home/ and tmp/
        self.work = scratch / "work"
        self.limits = limits or SandboxLimits()
        self.isolation, self.refused = (isolation, ()) if isolation else detect_isolation()
        for sub in ("home", "tmp"):
            (scratch / sub).mkdir(parents=True, exist_ok=True)

    @classmethod
    def from_repository(cls, repo: Path, limits: SandboxLimits | None = None,
                        parent: Path | None = None) -> Sandbox:
        scratch = Path(tempfile.mkdtemp(prefix="squiggle-hunt-", dir=parent))
        copy_repository(repo, scratch / "work")
        return cls(scratch, limits)

    @classmethod
    def from_archive(cls, archive: bytes, limits: SandboxLimits | None = None) -> Sandbox:
        """A sandbox over the files of a tar archive, gzipped or not: `archive()` (another
        machine's scratch copy), GitHub's tarball of a commit, `git archive` of a local one."""
        scratch = Path(tempfile.mkdtemp(prefix="squiggle-hunt-"))
        with tarfile.open(fileobj=io.BytesIO(archive), mode="r:*") as tar:
            # "data": no absolute paths, no links out of the folder, no device files
            tar.extractall(scratch / "work", filter="data")
        return cls(scratch, limits)

    def archive(self) -> bytes:
        """The scratch copy's files (without caches) as a gzipped tar, for `from_archive`."""
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
            for path in sorted(self.work.rglob("*")):
                relative = path.relative_to(self.work)
                if any(_IGNORED_IN_COPY("", [part]) for part in relative.parts):
                    continue  # caches the tests left behind
                if path.is_file() or path.is_symlink():
                    tar.add(path, arcname=str(relative), recursive=False)
        return buffer.getvalue()

    def clone(self) -> Sandbox:
        """Another sandbox over a fresh copy of this one's files (one per parallel slot)."""
        scratch = Path(tempfile.mkdtemp(prefix="squiggle-hunt-", dir=self.root.parent))
        copy_repository(self.work, scratch / "work")
        return Sandbox(scratch, self.limits, self.isolation)

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)

    # -- running -------------------------------------------------------------------------------

    def environment(self) -> dict[str, str]:
        """The whole environment of a sandboxed command: nothing is inherited. A project laid
        out under `src/` (flask, attrs) gets it on the import path, as its editable install
        would give it: nothing is installed in a sandbox."""
        environment = {
            "PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
            "HOME": str(self.root / "home"),
            "TMPDIR": str(self.root / "tmp"),
            "LANG": "C.UTF-8",
            "PYTHONDONTWRITEBYTECODE": "1",
            "PYTHONHASHSEED": "0",
            "PYTHONNOUSERSITE": "1",
        }
        src = self.work / "src"
        if src.is_dir() and any(src.glob("*/__init__.py")):
            environment["PYTHONPATH"] = str(src)
        return environment

    def wrap(self, argv: list[str]) -> list[str]:
        """`argv` inside the isolation level this sandbox uses."""
        if self.isolation == BWRAP:
            root = str(self.root)
            return [
                shutil.which("bwrap") or "bwrap", "--unshare-net", "--unshare-pid", "--unshare-ipc",
                "--unshare-uts", "--die-with-parent", "--new-session",
                "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp",
                "--tmpfs", "/dev/shm", *_interpreter_binds(), "--bind", root, root,
                "--chdir", str(self.work), "--", *argv,
            ]
        if self.isolation == UNSHARE:
            return [shutil.which("unshare") or "unshare", "-rn", "--", *argv]
        return argv

    def run(self, argv: list[str], timeout_s: float | None = None) -> RunResult:
        """Run `argv` in the scratch copy; `python` as argv[0] means this interpreter."""
        if argv and argv[0] in ("python", "python3"):
            argv = [sys.executable, *argv[1:]]
        timeout = timeout_s if timeout_s is not None else self.limits.wall_s
        cgroup = _PidsCgroup(self.limits.processes)
        started = time.monotonic()
        out_path, err_path = self.root / "tmp" / ".stdout", self.root / "tmp" / ".stderr"
        cpu_path = self.root / "tmp" / ".cpu"
        cpu_path.unlink(missing_ok=True)
        metered = [sys.executable, "-c", _CPU_METER, str(cpu_path), *argv]
        timed_out = False
        try:
            # Output to files, not pipes: a sandboxed grandchild holding a pipe open cannot
            # keep us waiting once the process group is gone.
            with open(out_path, "wb") as out, open(err_path, "wb") as err:
                process = subprocess.Popen(
                    self.wrap(metered), cwd=self.work, env=self.environment(),
                    stdin=subprocess.DEVNULL,
                    stdout=out, stderr=err, start_new_session=True,
                    preexec_fn=_limit_child(self.limits, cgroup.procs_file()),
                )
                try:
                    returncode = process.wait(timeout=timeout)
                except subprocess.TimeoutExpired:
                    timed_out = True
                    _kill_group(process.pid)
                    returncode = process.wait()
                _kill_group(process.pid)  # leftovers that outlived their parent
            forks_capped = cgroup.hit_limit()
        finally:
            cgroup.close()
        cpu = _read_cpu(cpu_path, fallback=time.monotonic() - started if timed_out else 0.0)
        limits_hit = ["wall time"] if timed_out else []
        if returncode in (128 + signal.SIGXCPU, 128 + signal.SIGKILL) and not timed_out \
                and cpu >= self.limits.cpu_s - 1:
            limits_hit.append("cpu time")
        if forks_capped:
            limits_hit.append("processes")
        return RunResult(
            argv=argv, returncode=returncode, stdout=_read_tail(out_path),
            stderr=_read_tail(err_path), wall_s=time.monotonic() - started, cpu_s=max(cpu, 0.0),
            timed_out=timed_out, isolation=self.isolation, limits_hit=limits_hit,
        )


def _kill_group(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except OSError:
        pass


def _read_cpu(path: Path, fallback: float) -> float:
    """CPU seconds the meter wrote; a killed run is charged its wall time instead."""
    try:
        return float(path.read_text())
    except (OSError, ValueError):
        return fallback


def _read_tail(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError:
        return ""
    text = data.decode("utf-8", errors="replace")
    return text if len(text) <= _OUTPUT_LIMIT else "[…]\n" + text[-_OUTPUT_LIMIT:]
