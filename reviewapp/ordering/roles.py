"""The part a changed file plays: source, test, docs, config, lockfile, generated, vendored..."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase, translate

from reviewapp.ingest.parsed import DELETED, ParsedFile

SOURCE = "source"
TEST = "test"
DOCS = "docs"
CONFIG = "config"
LOCKFILE = "lockfile"
GENERATED = "generated"
VENDORED = "vendored"
ASSET = "asset"  # binary files that are not docs: images, fonts, archives
# Review order of the trailing roles; source and test files are ordered by the dependency graph.
TRAILING_ROLES = (DOCS, CONFIG, LOCKFILE, GENERATED, VENDORED, ASSET)
ROLES = (SOURCE, TEST, *TRAILING_ROLES)

LOCKFILE_NAMES = frozenset(
    {
        "package-lock.json", "npm-shrinkwrap.json", "yarn.lock", "pnpm-lock.yaml", "bun.lockb",
        "bun.lock", "poetry.lock", "pipfile.lock", "pdm.lock", "uv.lock", "cargo.lock",
        "go.sum", "go.work.sum", "composer.lock", "gemfile.lock", "flake.lock", "mix.lock",
        "pubspec.lock", "podfile.lock", "packages.lock.json", "gradle.lockfile",
        "package.resolved", "conan.lock", "deno.lock", "shrinkwrap.yaml",
    }
)
VENDOR_DIRS = frozenset(
    {
        "vendor", "vendors", "third_party", "third-party", "thirdparty", "3rdparty",
        "node_modules", "bower_components", "site-packages", "external", "extern",
    }
)
GENERATED_DIRS = frozenset({"__generated__", "generated", "gen-src", "autogen"})
GENERATED_SUFFIXES = (
    "_pb2.py", "_pb2.pyi", "_pb2_grpc.py", ".pb.go", ".pb.gw.go", ".pb.cc", ".pb.h",
    "_grpc.pb.go", ".pb.swift", "_generated.go", "_generated.py", ".generated.ts",
    ".generated.js", ".g.dart", ".freezed.dart", ".designer.cs", ".g.cs", "_string.go",
    ".min.js", ".min.css", ".js.map", ".css.map", ".min.map",
)
TEST_DIRS = frozenset({"test", "tests", "testing", "__tests__", "spec", "specs", "testdata", "e2e"})
TEST_NAME_PATTERNS = (
    "test_*.py", "*_test.py", "*_tests.py", "conftest.py", "*_test.go", "*.test.[jt]s",
    "*.test.[jt]sx", "*.spec.[jt]s", "*.spec.[jt]sx", "*.test.mjs", "*.spec.mjs", "*Test.java",
    "*Tests.java", "*Test.kt", "*Tests.cs", "*Test.cs", "*_spec.rb", "*_test.rb", "test_*.c",
    "*_test.c", "*_test.cc", "*_test.cpp", "*_unittest.cc", "*_tests.rs", "*Test.php",
)
# Case matters: FooTest.java is a test, Latest.java is not.
TEST_NAME = re.compile("|".join(translate(pattern) for pattern in TEST_NAME_PATTERNS))
DOC_EXTENSIONS = frozenset({".md", ".markdown", ".rst", ".adoc", ".asciidoc", ".txt", ".org",
                            ".tex", ".ipynb", ".rtf"})
DOC_NAMES = frozenset(
    {
        "readme", "changelog", "changes", "history", "news", "license", "licence", "copying",
        "authors", "contributors", "contributing", "code_of_conduct", "security", "notice",
        "maintainers", "codeowners",
    }
)
DOC_DIRS = frozenset({"doc", "docs", "documentation", "man"})
CONFIG_EXTENSIONS = frozenset(
    {
        ".toml", ".yaml", ".yml", ".ini", ".cfg", ".conf", ".config", ".properties", ".env",
        ".editorconfig", ".gitignore", ".gitattributes", ".gitmodules", ".dockerignore",
        ".npmrc", ".nvmrc", ".prettierrc", ".eslintrc", ".babelrc", ".flake8", ".pylintrc",
        ".coveragerc", ".cmake", ".mk", ".plist", ".xml", ".json", ".jsonc", ".json5",
        ".gradle", ".sbt", ".bazel", ".bzl", ".tf", ".tfvars", ".hcl", ".nix",
    }
)
CONFIG_NAMES = frozenset(
    {
        "makefile", "gnumakefile", "dockerfile", "containerfile", "jenkinsfile", "procfile",
        "vagrantfile", "gemfile", "rakefile", "podfile", "brewfile", "cmakelists.txt",
        "requirements.txt", "constraints.txt", "setup.py", "setup.cfg", "manifest.in",
        "tox.ini", "noxfile.py", "pipfile", "go.mod", "go.work", "build", "workspace",
        "build.bazel", "workspace.bazel", "module.bazel", "meson.build", "justfile",
        "package.json", "tsconfig.json", "jsconfig.json", "cargo.toml", "pyproject.toml",
        ".python-version", ".tool-versions", "codecov.yml", "renovate.json",
    }
)
CONFIG_DIRS = frozenset({".github", ".circleci", ".ci", ".gitlab", ".buildkite", ".devcontainer",
                         ".vscode", ".idea", "deploy", "deployment", "k8s", "helm", "ci"})
ASSET_EXTENSIONS = frozenset(
    {
        ".png", ".jpg", ".jpeg", ".gif", ".bmp", ".ico", ".svg", ".webp", ".tif", ".tiff",
        ".pdf", ".woff", ".woff2", ".ttf", ".otf", ".eot", ".zip", ".gz", ".tgz", ".bz2",
        ".xz", ".7z", ".jar", ".whl", ".so", ".dll", ".dylib", ".a", ".o", ".exe", ".bin",
        ".mp3", ".mp4", ".wav", ".ogg", ".webm", ".mov", ".pt", ".safetensors", ".gguf",
        ".npy", ".npz", ".pkl", ".pickle", ".parquet", ".db", ".sqlite", ".sqlite3",
    }
)

# Markers that tools write at the top of files they generate. Checked on the first lines only,
# so a source file that merely mentions one (like this module) is not mistaken for output.
GENERATED_MARKER = re.compile(
    r"Code generated .* DO NOT EDIT|@generated\b|\bDO NOT EDIT\b|"
    r"^\W*(?i:auto-?generated|automatically generated|generated (?:by|from|with)\b)|"
    r"(?i:\bfile (?:is|was|has been) (?:auto-?|automatically )generated)"
)
MARKER_LINES = 6
# Minified code: few, very long lines.
MINIFIED_LINE_LENGTH = 500


@dataclass(frozen=True)
class Role:
    """A file's role and, where a marker decided it, what the marker was (for the reason)."""

    name: str
    evidence: str = ""


def classify(file: ParsedFile, attributes: GitAttributes | None = None) -> Role:
    """Decide a file's role from its path, the .gitattributes rules and its first lines."""
    path = file.path
    parts = path.lower().split("/")
    name = parts[-1]
    dirs = parts[:-1]
    if attributes is not None:
        decided = attributes.role_for(path)
        if decided is not None:
            return decided
    if name in LOCKFILE_NAMES or name.endswith(".lock"):
        return Role(LOCKFILE)
    if any(part in VENDOR_DIRS for part in dirs):
        return Role(VENDORED)
    if any(part in GENERATED_DIRS for part in dirs) or name.endswith(GENERATED_SUFFIXES):
        return Role(GENERATED)
    marker = _generated_marker(file)
    if marker:
        return Role(GENERATED, marker)
    if _looks_minified(file):
        return Role(GENERATED, "minified")
    ext = posixpath.splitext(name)[1]
    if file.is_binary or ext in ASSET_EXTENSIONS:
        return Role(DOCS) if any(part in DOC_DIRS for part in dirs) else Role(ASSET)
    if _is_test_path(posixpath.basename(path), dirs):
        return Role(TEST)
    stem = posixpath.splitext(name)[0]
    # SECURITY.md is documentation; werkzeug/security.py is code.
    named_doc = stem in DOC_NAMES and (not ext or ext in DOC_EXTENSIONS)
    # A Python module in a docs folder is example code (`docs/src/tutorial001.py`, which tests
    # import): code, read among the entry points; Sphinx's `conf.py` is the docs' settings.
    example_code = ext == ".py" and name != "conf.py"
    if named_doc or (any(part in DOC_DIRS for part in dirs) and not example_code):
        return Role(DOCS)
    if name in CONFIG_NAMES or name.startswith("requirements") and ext in (".txt", ".in"):
        return Role(CONFIG)
    if ext in DOC_EXTENSIONS:
        return Role(DOCS)
    if ext in CONFIG_EXTENSIONS or name in CONFIG_EXTENSIONS or any(d in CONFIG_DIRS for d in dirs):
        return Role(CONFIG)
    if name.startswith(".") and ext == "":  # dotfiles: .bashrc-style tool settings
        return Role(CONFIG)
    return Role(SOURCE)


def is_test_path(path: str) -> bool:
    """True for files that test conventions mark as tests (tests/, test_*.py, *_test.go, ...)."""
    return _is_test_path(posixpath.basename(path), path.lower().split("/")[:-1])


def _is_test_path(name: str, dirs: Sequence[str]) -> bool:
    """`name` as written (patterns are case-sensitive), `dirs` lowercased."""
    if any(part in TEST_DIRS for part in dirs):
        return True
    return TEST_NAME.match(name) is not None


def _head_lines(file: ParsedFile) -> list[str]:
    """The first lines of the file on the side that exists, from content or a hunk at the top."""
    content = file.old_content if file.status == DELETED else file.new_content
    if content is not None:
        return content[:4000].splitlines()[:MARKER_LINES]
    for hunk in file.hunks:
        if file.status == DELETED and hunk.old_start <= 1:
            return [line.text for line in hunk.lines if line.kind != "+"][:MARKER_LINES]
        if file.status != DELETED and hunk.new_start <= 1:
            return [line.text for line in hunk.lines if line.kind != "-"][:MARKER_LINES]
    return []


def _generated_marker(file: ParsedFile) -> str:
    for line in _head_lines(file):
        found = GENERATED_MARKER.search(line[:300])
        if found:
            return found.group(0)
    return ""


def _looks_minified(file: ParsedFile) -> bool:
    if not file.path.endswith((".js", ".mjs", ".cjs", ".css")):
        return False
    lines = _head_lines(file)
    return bool(lines) and max(len(line) for line in lines) > MINIFIED_LINE_LENGTH


# .gitattributes -----------------------------------------------------------------------------

ATTRIBUTE_ROLES = {
    "linguist-generated": GENERATED,
    "linguist-vendored": VENDORED,
    "linguist-documentation": DOCS,
}


@dataclass(frozen=True)
class AttributeRule:
    base: str  # directory holding the .gitattributes file, "" for the root
    pattern: str
    role: str
    value: bool  # False for "-linguist-generated" / "linguist-generated=false"


class GitAttributes:
    """The linguist-generated/vendored/documentation rules of one or more .gitattributes files."""

    def __init__(self, files: Mapping[str, str]) -> None:
        """`files` maps each .gitattributes path (e.g. "web/.gitattributes") to its text."""
        self.rules: list[AttributeRule] = []
        # Shallow files first, so deeper ones override them, as git does.
        for path in sorted(files, key=lambda p: (p.count("/"), p)):
            base = posixpath.dirname(path)
            for line in files[path].splitlines():
                self.rules.extend(_parse_attribute_line(base, line))

    def role_for(self, path: str) -> Role | None:
        """The role the last matching rule gives `path`, or None when no rule decides it."""
        decided: Role | None = None
        for rule in self.rules:
            if _attribute_pattern_matches(rule, path):
                decided = Role(rule.role, "gitattributes") if rule.value else Role(SOURCE)
        return decided

    def __bool__(self) -> bool:
        return bool(self.rules)


def _parse_attribute_line(base: str, line: str) -> list[AttributeRule]:
    fields = line.strip().split()
    if not fields or fields[0].startswith("#"):
        return []
    rules = []
    for attr in fields[1:]:
        negated = attr.startswith(("-", "!"))
        key, _, value = attr.lstrip("-!").partition("=")
        if key in ATTRIBUTE_ROLES:
            enabled = not negated and value.lower() not in ("false", "0")
            rules.append(AttributeRule(base, fields[0], ATTRIBUTE_ROLES[key], enabled))
    return rules


def _attribute_pattern_matches(rule: AttributeRule, path: str) -> bool:
    if rule.base:
        if not path.startswith(rule.base + "/"):
            return False
        path = path[len(rule.base) + 1 :]
    pattern = rule.pattern
    if pattern.endswith("/**"):  # "dir/**" matches everything inside dir
        prefix = pattern[:-3].lstrip("/")
        return path.startswith(prefix + "/") or fnmatchcase(path, pattern.lstrip("/"))
    if "/" not in pattern.rstrip("/"):  # no slash: matches the name at any depth
        return fnmatchcase(posixpath.basename(path), pattern) or any(
            fnmatchcase(part, pattern) for part in path.split("/")[:-1]
        )
    pattern = pattern.lstrip("/").replace("**/", "*")
    return fnmatchcase(path, pattern)


def gitattributes_from_diff(
    files: Sequence[ParsedFile], extra: Mapping[str, str] | None = None
) -> GitAttributes:
    """Rules from .gitattributes files the caller knows plus those the change itself touches."""
    texts = dict(extra or {})
    for file in files:
        if posixpath.basename(file.path) != ".gitattributes" or file.status == DELETED:
            continue
        if file.new_content is not None:
            texts[file.path] = file.new_content
        else:  # a pasted diff: the lines we can see are better than none
            lines = [ln.text for h in file.hunks for ln in h.lines if ln.kind != "-"]
            texts[file.path] = texts.get(file.path, "") + "\n" + "\n".join(lines)
    return GitAttributes(texts)
