"""A ParsedDiff straight from a local git repository: a commit range or the working tree.

Git runs as an argument list (never a shell) with options that keep the repository's own
configuration from running programs (external diff, textconv, fsmonitor) or changing the
output format, and with optional locks off so reading never rewrites the user's index.
Revisions are checked before use: one starting with "-" is refused, so it cannot become an
option, and only resolved commit ids reach `git diff`.

Ranges: "A..B" (A's tree against B's), "A...B" (the merge base of A and B against B, what a
pull request shows), a single "A" (the commit A against its first parent), and None: the
working tree against HEAD, staged and unstaged changes plus untracked files that are not
ignored (a reviewer reviewing "my working tree" expects the new files they created). Untracked
files are added intent-to-add in a throwaway copy of the index; the real index is untouched.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import stat
import subprocess
import tempfile
import threading
from collections.abc import Collection

from .decoding import decode_content, encoding_label
from .errors import DiffParseError, DiffTooLarge, GitSourceError
from .limits import IngestLimits
from .parsed import ADDED, DELETED, ParsedDiff, ParsedFile
from .parser import NO_CHANGES, parse_diff

GIT_TIMEOUT_S = 120
SUBMODULE_MODE = "160000"
SYMLINK_MODE = "120000"
_SAFE_CONFIG = ["-c", "core.fsmonitor=false", "-c", "core.quotePath=true",
                "-c", "diff.noprefix=false", "-c", "diff.mnemonicPrefix=false",
                "-c", "color.ui=false", "-c", "core.pager=cat"]
_DIFF_OPTIONS = ["--no-color", "--no-ext-diff", "--no-textconv", "--full-index", "-M", "-C",
                 "--src-prefix=a/", "--dst-prefix=b/", "--no-relative"]
# Configuration keys whose value is a command git may run (matched case-insensitively).
_COMMAND_KEY = re.compile(
    r"^(filter\..+\.(clean|smudge|process)|diff\..+\.(command|textconv)|merge\..+\.driver"
    r"|diff\.external|core\.(fsmonitor|sshcommand|askpass|editor|pager|hookspath)"
    r"|credential\..*helper|gpg\..*program|sequence\.editor|uploadpack\.packobjectshook)$",
    re.IGNORECASE)
# Variables that would point git somewhere else than repo_dir (set inside a git hook, say).
_GIT_LOCATION_VARS = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY",
                      "GIT_COMMON_DIR", "GIT_NAMESPACE", "GIT_PREFIX")


def diff_from_git(repo_dir: str, range_spec: str | None, *,
                  limits: IngestLimits | None = None) -> ParsedDiff:
    """Diff a range (or the working tree, for None) with full file contents where they fit."""
    limits = limits or IngestLimits()
    repo = _Repository(repo_dir)
    if range_spec is None or not range_spec.strip():
        base, head = repo.resolve("HEAD", allow_unborn=True), None
        raw = repo.diff_worktree(base, limits)
        what = "the working tree has no changes against HEAD"
    else:
        base, head = repo.resolve_range(range_spec.strip())
        raw = repo.capped(["diff", *_DIFF_OPTIONS, base, head, "--"], limits)
        what = f"the range {range_spec.strip()!r} has no changes"
    if not raw.strip():
        raise GitSourceError(what)
    try:
        parsed = parse_diff(raw, limits=limits)
    except DiffParseError as exc:
        if str(exc) == NO_CHANGES:
            raise GitSourceError(what) from None
        raise
    parsed.base_sha = None if base == repo.empty_tree else base
    parsed.head_sha = head
    _load_contents(repo, parsed, worktree=head is None, limits=limits)
    return parsed


def contents_from_objects(repo_dir: str, parsed: ParsedDiff, *,
                          limits: IngestLimits | None = None) -> list[str]:
    """Whole files for a pasted or uploaded diff of this repository: each file's old side
    from the blob its `index` line names, its new side that text with the hunks applied (never
    the new blob: a diff edited by hand keeps its `index` line). A file whose old blob the
    repository lacks, or whose hunks do not apply to it, stays as its hunks. Returns the paths
    that got both sides."""
    limits = limits or IngestLimits()
    wanted = [f for f in parsed.files
              if not f.is_binary and f.old_content is None and f.new_content is None
              and SUBMODULE_MODE not in (f.old_mode, f.new_mode)
              and (f.status == ADDED or _object_name(f.old_blob, None, f.old_path))]
    if not wanted:
        return []
    names = sorted({f.old_blob for f in wanted if f.status != ADDED and f.old_blob})
    blobs = _Repository(repo_dir).blobs(names, limits.max_file_bytes)
    whole = []
    for f in wanted:
        old = None if f.status == ADDED else _text(parsed, f, blobs.get(f.old_blob or ""),
                                                   limits)
        if old is None and f.status != ADDED:
            continue  # the repository never had this side: the hunks are all there is
        new = None if f.status == DELETED else apply_hunks(old or "", f)
        if new is None and f.status != DELETED:
            continue
        f.old_content, f.new_content = old, new
        whole.append(f.path)
    return whole


def apply_hunks(old: str, f: ParsedFile) -> str | None:
    """The new side of `f`: `old` with its hunks applied; None when a context or removed
    line differs from `old` (the diff is not of this text)."""
    lines = old.splitlines(keepends=True)
    ending = "\r\n" if lines and lines[0].endswith("\r\n") else "\n"
    out: list[str] = []
    taken = 0  # lines of `old` copied or consumed so far
    for hunk in f.hunks:
        start = max(hunk.old_start - 1, 0) if hunk.old_lines else hunk.old_start
        if start < taken or start > len(lines):
            return None
        out += lines[taken:start]
        taken = start
        for line in hunk.lines:
            text = line.text.rstrip("\r")
            if line.kind in " -":
                if taken >= len(lines) or lines[taken].rstrip("\r\n") != text:
                    return None
                if line.kind == " ":
                    out.append(lines[taken])
                taken += 1
            else:
                out.append(text + ("" if line.no_newline_at_end else ending))
    return "".join(out + lines[taken:])


def resolve_head(repo_dir: str, range_spec: str | None) -> str | None:
    """The commit id at the head of a range in `repo_dir`; None for the working tree."""
    if range_spec is None or not range_spec.strip():
        return None
    return _Repository(repo_dir).resolve_range(range_spec.strip())[1]


def tree_archive(repo_dir: str, commit: str, max_bytes: int) -> bytes:
    """The files of `commit` as a plain tar (`git archive`: no filter or compression command
    runs), refused with GitSourceError past `max_bytes`."""
    repo = _Repository(repo_dir)
    sha = repo.resolve(commit)
    try:
        return repo.capped(["archive", "--format=tar", sha], IngestLimits(max_bytes=max_bytes))
    except DiffTooLarge as exc:
        raise GitSourceError(f"the files at {sha[:7]} are {exc.actual:,} bytes, over the "
                             f"limit of {max_bytes:,}") from None


def files_beside(repo_dir: str, commit: str, directories: Collection[str], *, suffix: str,
                 max_files: int, limits: IngestLimits | None = None) -> dict[str, str]:
    """Texts of the regular files ending in `suffix` directly inside `directories` ("" is the
    top level) at `commit`, at most `max_files` of them (the smallest first); binaries and
    files over the per-file limit are left out."""
    limits = limits or IngestLimits()
    repo = _Repository(repo_dir)
    sizes = {path: (size, blob) for path, (size, blob)
             in _listed(repo, repo.resolve(commit), directories, suffix).items()
             if size <= limits.max_file_bytes}
    ordered = sorted(sizes, key=lambda path: sizes[path])
    texts: dict[str, str] = {}
    for start in range(0, len(ordered), max_files):  # binaries do not count: read on
        chosen = ordered[start:start + max_files]
        blobs = repo.blobs([sizes[path][1] for path in chosen], limits.max_file_bytes)
        for path in chosen:
            data = blobs.get(sizes[path][1])
            if isinstance(data, bytes) and b"\0" not in data[:8000] and len(texts) < max_files:
                texts[path] = decode_content(data)[0]
        if len(texts) >= max_files:
            break
    return texts


def paths_beside(repo_dir: str, commit: str, directories: Collection[str], *,
                 suffix: str) -> set[str]:
    """Paths of the regular files ending in `suffix` directly inside `directories` at
    `commit`, their contents unread."""
    repo = _Repository(repo_dir)
    return set(_listed(repo, repo.resolve(commit), directories, suffix))


def _listed(repo: _Repository, sha: str, directories: Collection[str],
            suffix: str) -> dict[str, tuple[int, str]]:
    """path -> (size, blob id) of the regular files ending in `suffix` directly inside
    `directories` ("" is the top level) at `sha`."""
    listed: dict[str, tuple[int, str]] = {}
    for directory in sorted(set(directories)):
        listing = repo.run(["ls-tree", "-z", "--long", sha,
                            *(["--", f"{directory}/"] if directory else [])]).stdout
        for entry in listing.split(b"\0"):
            info, _, raw_path = entry.partition(b"\t")
            path = raw_path.decode("utf-8", "surrogateescape")
            parts = info.split()
            if (len(parts) == 4 and parts[0] in (b"100644", b"100755") and path.endswith(suffix)
                    and parts[3].isdigit()):
                listed[path] = (int(parts[3]), parts[2].decode())
    return listed


def files_matching(repo_dir: str, commit: str, pattern: str, *, suffix: str,
                   max_files: int) -> dict[str, str]:
    """Texts of the files ending in `suffix` at `commit` with a line that matches the extended
    regular expression `pattern` (`git grep`), at most `max_files` of them in path order."""
    repo = _Repository(repo_dir)
    sha = repo.resolve(commit)
    found = repo.run(["grep", "-z", "-l", "-I", "-E", "-e", pattern, sha], check=False)
    if found.returncode not in (0, 1):  # 1: no line matched
        raise GitSourceError(f"git grep failed: {_first_line(found)}")
    prefix = f"{sha}:"
    paths = [name.decode("utf-8", "surrogateescape").removeprefix(prefix)
             for name in found.stdout.split(b"\0") if name]
    chosen = sorted(path for path in paths if path.endswith(suffix))[:max_files]
    blobs = repo.blobs([f"{sha}:{path}" for path in chosen], IngestLimits().max_file_bytes)
    return {path: decode_content(data)[0] for path in chosen
            if isinstance(data := blobs.get(f"{sha}:{path}"), bytes)}


class _Repository:
    """Runs git in one repository's top-level directory."""

    def __init__(self, repo_dir: str) -> None:
        if shutil.which("git") is None:
            raise GitSourceError("git is not installed on this server")
        if not os.path.isdir(repo_dir):
            raise GitSourceError(f"{repo_dir!r} is not a directory")
        self.env = {k: v for k, v in os.environ.items() if k not in _GIT_LOCATION_VARS}
        # Literal pathspecs: an untracked file named ":(exclude)x" or "*" is just a name.
        self.env.update(LC_ALL="C", GIT_TERMINAL_PROMPT="0", GIT_OPTIONAL_LOCKS="0",
                        GIT_LITERAL_PATHSPECS="1")
        self.cwd = os.path.abspath(repo_dir)
        self.overrides: list[str] = []  # rev-parse and config run no configured command
        inside = self.run(["rev-parse", "--is-inside-work-tree"], check=False)
        if inside.returncode != 0:
            reason = _first_line(inside)
            detail = "" if reason.startswith("not a git repository") else f" ({reason})"
            raise GitSourceError(f"{repo_dir!r} is not a git repository{detail}")
        self.overrides = self._disarm_configured_commands()
        self.bare = inside.stdout.strip() != b"true"
        if not self.bare:
            self.cwd = self.run(["rev-parse", "--show-toplevel"]).stdout.decode().strip()
        empty_tree = self.run(["hash-object", "-t", "tree", os.devnull])
        self.empty_tree = empty_tree.stdout.decode().strip()

    def _disarm_configured_commands(self) -> list[str]:
        """`-c` overrides that blank every command the repository's configuration names.

        A reviewed repository is hostile input: its `.git/config` (and anything it includes)
        may name filter drivers that `git diff` would run on the working tree, diff drivers,
        an fsmonitor hook... Reading the configuration runs nothing; an empty command is
        git's "no command", so each one found is overridden on every git call.
        """
        names = self.run(["config", "--list", "--name-only", "-z"], check=False).stdout
        overrides = []
        for name in names.decode("utf-8", "surrogateescape").split("\0"):
            if _COMMAND_KEY.match(name):
                overrides += ["-c", f"{name}="]
            if name.lower().startswith("filter.") and name.lower().endswith(".required"):
                overrides += ["-c", f"{name}=false"]
        return overrides

    def run(self, args: list[str], *, check: bool = True, input: bytes | None = None,
            env: dict[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:
        try:
            result = subprocess.run(["git", *_SAFE_CONFIG, *self.overrides, *args],
                                    cwd=self.cwd, input=input,
                                    env=env or self.env, capture_output=True,
                                    timeout=GIT_TIMEOUT_S, check=False)
        except subprocess.TimeoutExpired:
            raise GitSourceError(f"git {args[0]} took longer than {GIT_TIMEOUT_S} s") from None
        except OSError as exc:
            raise GitSourceError(f"git could not be started: {exc.strerror}") from None
        if check and result.returncode != 0:
            raise GitSourceError(f"git {args[0]} failed: {_first_line(result)}")
        return result

    def capped(self, args: list[str], limits: IngestLimits,
               env: dict[str, str] | None = None) -> bytes:
        """Stdout of a git command, refused with DiffTooLarge once past limits.max_bytes."""
        with tempfile.TemporaryFile() as err, subprocess.Popen(
            ["git", *_SAFE_CONFIG, *self.overrides, *args], cwd=self.cwd, env=env or self.env,
            stdout=subprocess.PIPE, stderr=err, start_new_session=True,
        ) as proc:
            # Reads block, so a timer enforces the time limit by killing git's process group.
            watchdog = threading.Timer(GIT_TIMEOUT_S, _kill_group, [proc.pid])
            watchdog.start()
            try:
                assert proc.stdout is not None
                data = proc.stdout.read(limits.max_bytes + 1)
                total = len(data)
                while total > limits.max_bytes and (chunk := proc.stdout.read(1 << 20)):
                    total += len(chunk)  # count the rest to say how large it was
                proc.wait()
            finally:
                watchdog.cancel()
            err.seek(0)
            message = err.read().decode("utf-8", "replace").strip().splitlines()
        if proc.returncode == -signal.SIGKILL:
            raise GitSourceError(f"git {args[0]} took longer than {GIT_TIMEOUT_S} s")
        if proc.returncode != 0:
            raise GitSourceError(f"git {args[0]} failed: {message[0] if message else 'no reason'}")
        if total > limits.max_bytes:
            raise DiffTooLarge("bytes", limits.max_bytes, total)
        return data

    def resolve(self, rev: str, *, allow_unborn: bool = False) -> str:
        """The commit id `rev` names; an unborn HEAD is the empty tree when allowed."""
        if not rev or rev.startswith("-") or any(c.isspace() or ord(c) < 32 for c in rev):
            raise GitSourceError(f"{rev!r} is not a valid revision")
        found = self.run(["rev-parse", "--verify", "--quiet", "--end-of-options",
                          rev + "^{commit}"], check=False)
        if found.returncode == 0:
            return found.stdout.decode().strip()
        if allow_unborn and rev == "HEAD" and self.run(
                ["rev-parse", "--verify", "--quiet", "HEAD"], check=False).returncode != 0:
            return self.empty_tree  # no commit yet: everything is new
        raise GitSourceError(f"{rev!r} is not a commit in this repository")

    def resolve_range(self, spec: str) -> tuple[str, str]:
        """(base, head) commit ids for "A..B", "A...B" or a single commit "A"."""
        if "..." in spec:
            left, right = spec.split("...", 1)
            a, b = self.resolve(left or "HEAD"), self.resolve(right or "HEAD")
            found = self.run(["merge-base", a, b], check=False)
            if found.returncode != 0:
                raise GitSourceError(f"{left or 'HEAD'} and {right or 'HEAD'} have no common "
                                     "ancestor, so the range has no merge base")
            return found.stdout.decode().split()[0], b
        if ".." in spec:
            left, right = spec.split("..", 1)
            return self.resolve(left or "HEAD"), self.resolve(right or "HEAD")
        head = self.resolve(spec)
        parent = self.run(["rev-parse", "--verify", "--quiet", head + "^1"], check=False)
        return (parent.stdout.decode().strip() if parent.returncode == 0 else self.empty_tree), head

    def diff_worktree(self, base: str, limits: IngestLimits) -> bytes:
        """`git diff base` of the working tree, untracked files included as new files."""
        if self.bare:
            raise GitSourceError("a bare repository has no working tree; give a range A..B")
        real_index = self.run(["rev-parse", "--git-path", "index"]).stdout.decode().strip()
        real_index = os.path.join(self.cwd, real_index)
        with tempfile.TemporaryDirectory(prefix="squiggle-index-") as scratch:
            env = dict(self.env, GIT_INDEX_FILE=os.path.join(scratch, "index"))
            if os.path.exists(real_index):
                # copy2 keeps the index's mtime: git trusts a file's cached stat only when
                # the file is older than the index, so a fresh mtime would hide a same-size
                # edit made within the index's last timestamp tick ("racy git").
                shutil.copy2(real_index, env["GIT_INDEX_FILE"])
            untracked = self.run(["ls-files", "-z", "--others", "--exclude-standard"], env=env)
            if untracked.stdout:
                self.run(["add", "--intent-to-add", "--pathspec-from-file=-",
                          "--pathspec-file-nul"], input=untracked.stdout, env=env)
            return self.capped(["diff", *_DIFF_OPTIONS, base, "--"], limits, env=env)

    def blobs(self, names: list[str], max_bytes: int) -> dict[str, bytes | int]:
        """Blob contents by object name (an id or "rev:path"); the size if over `max_bytes`.

        Two `git cat-file` processes for the whole diff, whatever its number of files.
        """
        if not names:
            return {}
        request = "".join(name + "\n" for name in names).encode()
        sizes: dict[str, int] = {}
        checked = self.run(["cat-file", "--batch-check"], input=request).stdout.splitlines()
        for name, line in zip(names, checked, strict=False):  # one answer per name, in order
            parts = line.split()
            if len(parts) == 3 and parts[1] == b"blob":
                sizes[name] = int(parts[2])
        small = [name for name in names if sizes.get(name, max_bytes + 1) <= max_bytes]
        out: dict[str, bytes | int] = {name: size for name, size in sizes.items()
                                       if size > max_bytes}
        if small:
            data = self.run(["cat-file", "--batch"],
                            input="".join(name + "\n" for name in small).encode()).stdout
            pos = 0
            for name in small:  # "<id> blob <size>\n<content>\n" per request, in order
                header_end = data.index(b"\n", pos)
                size = int(data[pos:header_end].split()[2])
                out[name] = data[header_end + 1:header_end + 1 + size]
                pos = header_end + 2 + size
        return out


def _load_contents(repo: _Repository, parsed: ParsedDiff, *, worktree: bool,
                   limits: IngestLimits) -> None:
    """Fill old_content/new_content; skip binaries, submodules and files over the limit."""
    wanted: list[tuple[ParsedFile, str | None, str | None]] = []
    for f in parsed.files:
        if f.is_binary or SUBMODULE_MODE in (f.old_mode, f.new_mode):
            continue
        old = _object_name(f.old_blob, parsed.base_sha, f.old_path) if f.status != ADDED else None
        new = None
        if f.status != DELETED and not worktree:
            new = _object_name(f.new_blob, parsed.head_sha, f.path)
        wanted.append((f, old, new))
    names = sorted({name for _, old, new in wanted for name in (old, new) if name})
    blobs = repo.blobs(names, limits.max_file_bytes)
    for f, old, new in wanted:
        if old:
            f.old_content = _text(parsed, f, blobs.get(old), limits)
        if f.status != DELETED:
            data = _read_worktree(repo, f, limits) if worktree else blobs.get(new or "")
            f.new_content = _text(parsed, f, data, limits)


def _object_name(blob: str | None, commit: str | None, path: str) -> str | None:
    """The blob id from the diff when it has one; else "commit:path" (a pure rename or chmod)."""
    if blob and blob.strip("0"):
        return blob
    if commit and "\n" not in path:
        return f"{commit}:{path}"
    return None


def _read_worktree(repo: _Repository, f: ParsedFile, limits: IngestLimits) -> bytes | int | None:
    """A work-tree file as git would store it (a symlink's target); its size if too big."""
    path = os.path.join(repo.cwd, f.path)
    try:
        info = os.lstat(path)
        if stat.S_ISLNK(info.st_mode):
            return os.fsencode(os.readlink(path))
        inside = os.path.realpath(path).startswith(os.path.realpath(repo.cwd) + os.sep)
        if not inside or not stat.S_ISREG(info.st_mode):
            return None  # through a symlinked directory, a fifo…: never read it
        if info.st_size > limits.max_file_bytes:
            return info.st_size
        with open(path, "rb") as handle:
            return handle.read(limits.max_file_bytes + 1)
    except OSError:
        return None


def _text(parsed: ParsedDiff, f: ParsedFile, data: bytes | int | None,
          limits: IngestLimits) -> str | None:
    """Decoded content, or None (with a warning) when it is too large or binary."""
    if data is None:
        return None
    size = data if isinstance(data, int) else len(data)
    if size > limits.max_file_bytes:
        parsed.warnings.append(f"{f.path}: content not loaded ({size:,} bytes, over the "
                               f"{limits.max_file_bytes:,}-byte per-file limit)")
        return None
    assert isinstance(data, bytes)
    if b"\0" in data[:8000]:  # git's own binary test
        return None
    text, fallback = decode_content(data)
    if fallback:
        parsed.warnings.append(f"{f.path}: content is not valid UTF-8, decoded as "
                               f"{encoding_label({fallback})}")
    return text


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass  # finished just in time


def _first_line(result: subprocess.CompletedProcess[bytes]) -> str:
    lines = result.stderr.decode("utf-8", "replace").strip().splitlines()
    return lines[0].removeprefix("fatal: ").removeprefix("error: ") if lines else "no reason given"
