"""Per-repository configuration: `.squiggle.toml` (and `.gitattributes`) read into a RepoConfig.

One loader for local reviews, `manage.py review --repo` and pull requests (read at the PR's
base commit, so a PR cannot loosen its own review). Pure Python, no Django. The file's shape
(README "Configuration"):

    [review]
    ignore = ["docs/**", "*.lock"]   # files left out of the review
    threshold = 0.6                  # findings below this probability are not posted
    severities = ["high", "medium"]  # severities posted
    drafts = false                   # review draft pull requests
    [stages]
    bug_detection = true
    importance_lm = false
    tests = true                     # run the change's tests (default: on for local
                                     # checkouts, off for GitHub pull requests)
    [importance]                     # overrides of reviewapp.importance.ImportanceSettings
    key_share = 0.1

Invalid configuration never stops a review: the defaults apply and `errors` says what was wrong
(a wrong key names itself and its line).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reviewapp.importance import ImportanceSettings
from reviewapp.ingest.parsed import ParsedDiff

CONFIG_FILE = ".squiggle.toml"
SEVERITIES = ("high", "medium", "low")
STAGES = ("bug_detection", "importance_lm", "tests")
# Stages on unless the configuration turns them off. `tests` runs the reviewed change's own
# code, so its default depends on where the change comes from (`runs_tests`).
ON_BY_DEFAULT = ("bug_detection", "importance_lm")
# .gitattributes attributes that mark a path as not worth reviewing.
SKIP_ATTRIBUTES = ("linguist-generated", "linguist-vendored")


@dataclass
class RepoConfig:
    """The configuration that applies to one review; `errors` lists what was invalid."""

    ignore: list[str] = field(default_factory=list)
    skip: list[str] = field(default_factory=list)  # generated/vendored, from .gitattributes
    threshold: float = 0.0
    severities: list[str] = field(default_factory=lambda: list(SEVERITIES))
    drafts: bool = False
    stages: dict[str, bool] = field(default_factory=lambda: dict.fromkeys(ON_BY_DEFAULT, True))
    importance: dict[str, Any] = field(default_factory=dict)  # ImportanceSettings overrides
    errors: list[str] = field(default_factory=list)
    source: str = ""  # CONFIG_FILE when one was read, "" for the defaults

    def describe(self) -> list[str]:
        """What applied, in words, one item per setting that differs from the defaults."""
        default = RepoConfig()
        said = []
        if self.ignore:
            said.append("ignore " + ", ".join(self.ignore))
        if self.skip:
            said.append("skip (.gitattributes) " + ", ".join(self.skip))
        if self.threshold != default.threshold:
            said.append(f"findings from probability {self.threshold:g}")
        if self.severities != default.severities:
            said.append("severities " + ", ".join(self.severities) if self.severities
                        else "no severities (findings hidden)")
        if self.drafts:
            said.append("draft pull requests reviewed")
        said += [f"stage {name} off" for name, on in self.stages.items() if not on]
        if self.stages.get("tests"):
            said.append("stage tests on")
        said += [f"importance {name} = {value}" for name, value in self.importance.items()]
        return said

    def importance_settings(self, base: dict[str, Any] | None = None) -> ImportanceSettings:
        """Tier settings: `base` (the server's SQUIGGLE_IMPORTANCE) with this repository's
        `[importance]` overrides on top."""
        return ImportanceSettings.from_mapping({**(base or {}), **self.importance})

    def runs_tests(self, trusted_source: bool) -> bool:
        """Whether the change's tests run: as `[stages] tests` says, else on only for a
        trusted source (a local checkout; not a pull request, whose code may come from anyone
        and whose configuration is read at its base, so it cannot opt itself in)."""
        return self.stages.get("tests", trusted_source)

    def ignored_reason(self, path: str) -> str | None:
        """Why `path` is left out of the review, or None when it is reviewed."""
        for pattern in self.ignore:
            if glob_match(pattern, path):
                return f"ignored by {CONFIG_FILE} ({pattern})"
        for pattern in self.skip:
            if glob_match(pattern, path):
                return f"generated or vendored per .gitattributes ({pattern})"
        return None

    def posts(self, probability: float, severity: str) -> bool:
        """Whether a finding is shown/posted under the threshold and severities."""
        return probability >= self.threshold and severity in self.severities

    def to_json(self) -> dict:
        return {"ignore": self.ignore, "skip": self.skip, "threshold": self.threshold,
                "severities": self.severities, "drafts": self.drafts, "stages": self.stages,
                "importance": self.importance, "errors": self.errors, "source": self.source}

    @classmethod
    def from_json(cls, data: dict | None) -> RepoConfig:
        """The inverse of `to_json`; an empty mapping gives the defaults."""
        config = cls()
        for name in ("ignore", "skip", "threshold", "severities", "drafts", "importance",
                     "errors", "source"):
            if data and name in data:
                setattr(config, name, data[name])
        if data and "stages" in data:
            config.stages = {**config.stages, **data["stages"]}
        return config


def load_config(toml_text: str | None, gitattributes_text: str | None = None) -> RepoConfig:
    """Parse and validate `.squiggle.toml` text (None: no file) into a RepoConfig."""
    config = RepoConfig()
    if gitattributes_text:
        config.skip = skipped_by_gitattributes(gitattributes_text)
    if not toml_text:
        return config
    config.source = CONFIG_FILE
    try:
        data = tomllib.loads(toml_text)
    except tomllib.TOMLDecodeError as exc:
        config.errors.append(f"{CONFIG_FILE} is not valid TOML: {exc}; the defaults apply")
        return config
    _read_tables(config, data, toml_text)
    return config


def _read_tables(config: RepoConfig, data: dict, text: str) -> None:
    for table, value in data.items():
        if table == "review" and isinstance(value, dict):
            _read_review(config, value, text)
        elif table == "stages" and isinstance(value, dict):
            _read_stages(config, value, text)
        elif table == "importance" and isinstance(value, dict):
            _read_importance(config, value, text)
        else:
            _error(config, text, table, f"unknown table or key `{table}` "
                                        "(expected [review], [stages] and [importance])")


def _read_review(config: RepoConfig, table: dict, text: str) -> None:
    for key, value in table.items():
        if key == "ignore" and _is_str_list(value):
            config.ignore = list(value)
        elif key == "threshold" and isinstance(value, int | float) and not isinstance(
                value, bool) and 0.0 <= value <= 1.0:
            config.threshold = float(value)
        elif key == "severities" and _is_str_list(value) and set(value) <= set(SEVERITIES):
            config.severities = list(value)
        elif key == "drafts" and isinstance(value, bool):
            config.drafts = value
        elif key in ("ignore", "threshold", "severities", "drafts"):
            _error(config, text, key, f"`review.{key}` = {value!r} is invalid: "
                                      f"{_EXPECTED[key]}")
        else:
            _error(config, text, key, f"unknown key `review.{key}` "
                                      f"(known: {', '.join(_EXPECTED)})")


def _read_stages(config: RepoConfig, table: dict, text: str) -> None:
    for key, value in table.items():
        if key in STAGES and isinstance(value, bool):
            config.stages[key] = value
        elif key in STAGES:
            _error(config, text, key, f"`stages.{key}` = {value!r} is invalid: true or false")
        else:
            _error(config, text, key, f"unknown key `stages.{key}` (known: {', '.join(STAGES)})")


def _read_importance(config: RepoConfig, table: dict, text: str) -> None:
    for key, value in table.items():
        try:
            ImportanceSettings.from_mapping({key: value})
        except ValueError as exc:
            _error(config, text, key, f"[importance] {exc}")
        else:
            config.importance[key] = value


_EXPECTED = {
    "ignore": "a list of glob strings",
    "threshold": "a number from 0 to 1",
    "severities": f"a list drawn from {', '.join(SEVERITIES)}",
    "drafts": "true or false",
}


def _is_str_list(value) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def _error(config: RepoConfig, text: str, key: str, message: str) -> None:
    line = _line_of(text, key)
    where = f"{CONFIG_FILE} line {line}: " if line else f"{CONFIG_FILE}: "
    config.errors.append(where + message + "; the default applies")


def _line_of(text: str, key: str) -> int | None:
    """The first line that defines `key` (as `key =` or `[key]`), 1-based."""
    pattern = re.compile(rf"^\s*(\[\s*{re.escape(key)}\s*\]|\"?{re.escape(key)}\"?\s*=)")
    for number, line in enumerate(text.splitlines(), start=1):
        if pattern.match(line):
            return number
    return None


def read_config(root: str | Path) -> RepoConfig:
    """The configuration of a checkout: its `.squiggle.toml` and `.gitattributes`."""
    texts = []
    for name in (CONFIG_FILE, ".gitattributes"):
        try:
            texts.append((Path(root) / name).read_text(encoding="utf-8", errors="replace"))
        except OSError:
            texts.append(None)
    return load_config(*texts)


def leave_out_ignored(parsed: ParsedDiff, config: RepoConfig
                      ) -> tuple[ParsedDiff, list[dict[str, str]]]:
    """The diff without the files the configuration ignores, and those files with the reason
    (`{"path": ..., "reason": ...}`, the review JSON's `ignored`)."""
    kept, ignored = [], []
    for file in parsed.files:
        reason = config.ignored_reason(file.path)
        if reason:
            ignored.append({"path": file.path, "reason": reason})
        else:
            kept.append(file)
    return ParsedDiff(files=kept, warnings=parsed.warnings, raw_text=parsed.raw_text,
                      base_sha=parsed.base_sha, head_sha=parsed.head_sha), ignored


def skipped_by_gitattributes(text: str) -> list[str]:
    """Patterns that `.gitattributes` marks linguist-generated or linguist-vendored."""
    patterns = []
    for line in text.splitlines():
        parts = line.split()
        if not parts or parts[0].startswith("#"):
            continue
        for attribute in parts[1:]:
            name, _, value = attribute.partition("=")
            if name in SKIP_ATTRIBUTES and value.lower() not in ("false", "0"):
                patterns.append(parts[0])
                break
    return patterns


def glob_match(pattern: str, path: str) -> bool:
    """Git-style globs: `**` crosses directories, `*` does not; a pattern without `/` matches
    the file name at any depth; a trailing `/` matches everything below a directory."""
    pattern = pattern.strip()
    if pattern.endswith("/"):
        pattern += "**"
    if "/" not in pattern:
        pattern = "**/" + pattern
    return re.fullmatch(_glob_regex(pattern.lstrip("/")), path) is not None


def _glob_regex(pattern: str) -> str:
    out, index = [], 0
    while index < len(pattern):
        if pattern.startswith("**/", index):
            out.append("(?:.*/)?")
            index += 3
        elif pattern.startswith("**", index):
            out.append(".*")
            index += 2
        elif pattern[index] == "*":
            out.append("[^/]*")
            index += 1
        elif pattern[index] == "?":
            out.append("[^/]")
            index += 1
        else:
            out.append(re.escape(pattern[index]))
            index += 1
    return "".join(out)
