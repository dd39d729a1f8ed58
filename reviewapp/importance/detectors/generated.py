"""Lockfiles, generated, minified and vendored files: every hunk of such a file is mechanical.

Evidence, strongest first: `.gitattributes` `linguist-generated` / `linguist-vendored` (also
their `=false` / `-` negations, which override the conventions below), lockfile names,
"generated" markers near the top of the file, minified content, and path conventions.
"""

from __future__ import annotations

import fnmatch
import re

from reviewapp.importance.score import Detection
from reviewapp.ingest.parsed import ParsedDiff, ParsedFile

LOCKFILES = {
    "package-lock.json", "npm-shrinkwrap.json", "yarn.lock", "pnpm-lock.yaml", "bun.lockb",
    "poetry.lock", "Pipfile.lock", "uv.lock", "pdm.lock", "Cargo.lock", "Gemfile.lock",
    "composer.lock", "go.sum", "mix.lock", "pubspec.lock", "Podfile.lock", "flake.lock",
    "packages.lock.json", "gradle.lockfile", "conda-lock.yml", "requirements.lock",
}
GENERATED_SUFFIXES = (
    "_pb2.py", "_pb2_grpc.py", "_pb2.pyi", ".pb.go", ".pb.cc", ".pb.h", ".g.dart",
    ".freezed.dart", ".designer.cs", ".Designer.cs", ".generated.ts", ".generated.js",
    ".generated.cs", ".snap", ".js.map", ".css.map", ".min.js", ".min.css", "-min.js",
)
VENDOR_DIRS = ("vendor", "vendored", "_vendor", "third_party", "third-party", "thirdparty",
               "node_modules", "bower_components")
GENERATED_DIRS = ("dist", "__generated__", "generated", "gen-src")
# Phrases that generators write into the first lines of what they produce.
MARKERS = re.compile(
    r"@generated|do not edit"
    r"|^[\W_]*(?:this (?:file|code) (?:is|was|has been) (?:automatically |auto-?)?generated"
    r"|(?:code )?(?:auto-?|automatically )?generated (?:by|from|using)\b)",
    re.I,
)
MARKER_LINES = 12
GENERATED_IMPORTANCE = 0.02
MINIFIED_LINE = 500  # characters; a line this long with almost no spaces is minified
# Only web assets get minified; a long base64 literal in a Python file must not gray the file.
MINIFIABLE = (".js", ".mjs", ".cjs", ".css", ".html", ".htm", ".svg", ".json", ".map")


def parse_gitattributes(text: str) -> list[tuple[str, str, bool]]:
    """(pattern, "generated" | "vendored", value) for each linguist attribute, in file order."""
    rules = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        pattern, *attrs = line.split()
        for attr in attrs:
            name, _, value = attr.lstrip("-!").partition("=")
            if name in ("linguist-generated", "linguist-vendored"):
                on = not attr.startswith(("-", "!")) and value.lower() not in ("false", "unset")
                rules.append((pattern, name.split("-")[1], on))
    return rules


def _matches(pattern: str, path: str) -> bool:
    """gitattributes matching: no slash = basename; leading slash = anchored; `**` spans dirs."""
    if pattern.endswith("/"):
        pattern += "**"
    if "/" not in pattern.rstrip("/"):
        return fnmatch.fnmatchcase(path.rsplit("/", 1)[-1], pattern)
    pattern = pattern.lstrip("/")
    if fnmatch.fnmatchcase(path, pattern):
        return True
    return "**/" in pattern and fnmatch.fnmatchcase(path, pattern.replace("**/", ""))


def gitattributes_of(diff: ParsedDiff) -> str:
    """The root `.gitattributes` as the diff shows it (new content, else its added lines)."""
    for pfile in diff.files:
        if pfile.path == ".gitattributes":
            if pfile.new_content is not None:
                return pfile.new_content
            return "\n".join(ln.text for h in pfile.hunks for ln in h.lines if ln.kind != "-")
    return ""


def _top_lines(pfile: ParsedFile) -> list[str]:
    if pfile.new_content is not None:
        return pfile.new_content.splitlines()[:MARKER_LINES]
    if pfile.old_content is not None:
        return pfile.old_content.splitlines()[:MARKER_LINES]
    # A pasted diff: only a hunk that starts at the top shows the header.
    for hunk in pfile.hunks:
        if hunk.new_start <= 1 or hunk.old_start <= 1:
            return [ln.text for ln in hunk.lines][:MARKER_LINES]
    return []


def _minified(pfile: ParsedFile) -> bool:
    if not pfile.path.lower().endswith(MINIFIABLE):
        return False
    for hunk in pfile.hunks:
        for line in hunk.lines:
            text = line.text
            if len(text) >= MINIFIED_LINE and text.count(" ") < len(text) / 40:
                return True
    return False


def classify_file(pfile: ParsedFile, attributes: list[tuple[str, str, bool]]) -> Detection | None:
    """Why this whole file is mechanical, or None."""
    path = pfile.path
    verdict: dict[str, bool] = {}
    for pattern, kind, on in attributes:  # later lines win, as in git
        if _matches(pattern, path):
            verdict[kind] = on
    for kind in ("generated", "vendored"):
        if verdict.get(kind):
            return Detection(kind, f"{kind} file (.gitattributes linguist-{kind})", True,
                             GENERATED_IMPORTANCE, {"evidence": "gitattributes"})
    name = path.rsplit("/", 1)[-1]
    parts = path.split("/")[:-1]
    if name in LOCKFILES and verdict.get("generated") is not False:
        return Detection("lockfile", f"lockfile ({name})", True, GENERATED_IMPORTANCE,
                         {"evidence": "name"})
    if verdict.get("generated") is not False:
        for line in _top_lines(pfile):
            match = MARKERS.search(line)
            if match:
                return Detection("generated", f"generated file (says \"{match.group(0)}\")",
                                 True, GENERATED_IMPORTANCE, {"evidence": "marker"})
        if name.endswith(GENERATED_SUFFIXES):
            return Detection("generated", f"generated file ({name})", True,
                             GENERATED_IMPORTANCE, {"evidence": "path"})
        if _minified(pfile):
            return Detection("generated", "minified file", True, GENERATED_IMPORTANCE,
                             {"evidence": "minified"})
        if any(p in GENERATED_DIRS for p in parts):
            return Detection("generated", "build output directory", True, GENERATED_IMPORTANCE,
                             {"evidence": "path"})
    if verdict.get("vendored") is not False and any(p in VENDOR_DIRS for p in parts):
        return Detection("vendored", "vendored third-party code", True, GENERATED_IMPORTANCE,
                         {"evidence": "path"})
    return None
