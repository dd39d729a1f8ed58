"""Version bumps in manifests and config: each changed line differs only in a version number.

Removed and added lines pair up in order within each run of changed lines (a bump edits a line
in place: a classifier removed above and another added below is a dropped and an added
version, not a bump); every pair must be identical once version-like tokens are masked, with at
least one version changed. In manifests (package.json, pyproject.toml,
requirements files, Cargo.toml, go.mod, Dockerfiles, CI configs, …) a dotted number anywhere
counts as a version; elsewhere only on a line that names a version (`__version__ = "1.2.3"`),
so `timeout = 3.5` in code is never a "bump".
"""

from __future__ import annotations

import re

from reviewapp.importance.score import Detection
from reviewapp.importance.views import HunkView

MANIFEST_NAMES = {
    "package.json", "pyproject.toml", "setup.cfg", "setup.py", "Cargo.toml", "go.mod",
    "pom.xml", "build.gradle", "build.gradle.kts", "Gemfile", "composer.json", "mix.exs",
    "Chart.yaml", "Dockerfile", "environment.yml", "environment.yaml", "pubspec.yaml",
    ".pre-commit-config.yaml", "tox.ini", "Pipfile", "CMakeLists.txt", "meson.build",
    "VERSION", "version.txt", "deno.json", "bower.json", "manifest.json", "PKG-INFO", "METADATA",
    ".tool-versions", ".nvmrc", ".python-version", "action.yml", "action.yaml",
}
MANIFEST_PATTERNS = re.compile(
    r"(^|/)(requirements[^/]*\.(txt|in)|constraints[^/]*\.txt|[^/]*\.csproj|[^/]*\.gemspec|"
    r"[^/]*\.podspec|Dockerfile[^/]*|\.github/workflows/[^/]+\.ya?ml|[^/]*\.nuspec)$"
)
# 1.2, 1.2.3, v1.2.3-rc.1, 2.0.0b1, 1.2.3+build5; and a bare integer after a version operator.
VERSION = re.compile(
    r"(?<![\w.])v?\d+(?:\.\d+)+(?:[-+.]?[A-Za-z]+\d*(?:\.\d+)*)?(?![\w.])"
    r"|(?:(?<=[@:^~<>])|(?<===))v?\d+(?![\w.])"
)
VERSION_WORD = re.compile(r"version|__version__|\brev\b|\btag\b|\bimage\b", re.I)
VERSION_IMPORTANCE = 0.04


def is_manifest(path: str) -> bool:
    return path.rsplit("/", 1)[-1] in MANIFEST_NAMES or bool(MANIFEST_PATTERNS.search(path))


def _bump(old: str, new: str, manifest: bool) -> tuple[str, str] | None:
    """The first (old, new) version of a line pair that differs only in versions, else None."""
    if VERSION.sub("\0", old) != VERSION.sub("\0", new):
        return None
    if not manifest and not (VERSION_WORD.search(old) and VERSION_WORD.search(new)):
        return None
    for a, b in zip(VERSION.findall(old), VERSION.findall(new), strict=True):
        if a.strip() != b.strip():
            return a.strip(), b.strip()
    return None


def _line_pairs(view: HunkView) -> list[tuple[str, str]] | None:
    """(removed, added) non-blank lines paired within each run of changes, None if a run's
    removed and added lines do not pair up one to one."""
    pairs: list[tuple[str, str]] = []
    run: dict[str, list[str]] = {"-": [], "+": []}
    for line in [*view.hunk.lines, None]:
        if line is not None and line.kind in run:
            if line.text.strip():
                run[line.kind].append(line.text)
            continue
        if len(run["-"]) != len(run["+"]):
            return None
        pairs += zip(run["-"], run["+"], strict=True)
        run = {"-": [], "+": []}
    return pairs


def detect_version_bump(view: HunkView) -> Detection | None:
    """A hunk whose every changed line is a version bump."""
    removed = sum(1 for t in view.removed_lines if t.strip())
    if not removed or removed != sum(1 for t in view.added_lines if t.strip()):
        return None  # cheap: most hunks stop here
    pairs = _line_pairs(view)
    if not pairs:
        return None
    manifest = is_manifest(view.path)
    bumps = []
    for old, new in pairs:
        bump = _bump(old, new, manifest)
        if bump is None:
            if old.strip() == new.strip():
                continue
            return None
        bumps.append(bump)
    if not bumps:
        return None
    a, b = bumps[0]
    more = f" (+{len(bumps) - 1} more)" if len(bumps) > 1 else ""
    return Detection("version", f"version bump {a} → {b}{more}", True, VERSION_IMPORTANCE,
                     {"bumps": [list(x) for x in bumps]})
