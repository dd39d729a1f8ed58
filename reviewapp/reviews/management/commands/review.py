"""`manage.py review`: a guided review of a diff on the command line (no database needed)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from reviewapp.findings.checkout import LocalCheckout
from reviewapp.findings.counts import FindingCount
from reviewapp.ingest.errors import IngestError
from reviewapp.ingest.git_source import diff_from_git, resolve_head
from reviewapp.ingest.parser import parse_diff
from reviewapp.pipeline import ReviewResult, review_diff
from reviewapp.publish import shown_findings
from reviewapp.repo_config import RepoConfig, load_config, read_config
from reviewapp.reviews.analysis import importance_settings, tests_stage_settings
from reviewapp.reviews.services import ingest_limits


class Command(BaseCommand):
    help = "Review a diff: files in review order with reasons, hunk tiers, findings."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--diff", help="a unified diff file, or - for standard input "
                                           "(with --repo: that repository's change, whose "
                                           "tests run at the head of --range)")
        parser.add_argument("--repo", help="a local git repository")
        parser.add_argument("--range", dest="range_spec",
                            help="A..B in --repo (default: working tree vs HEAD)")
        parser.add_argument("--json", dest="as_json", action="store_true",
                            help="print the review JSON")
        parser.add_argument("--no-models", action="store_true",
                            help="skip the bug model and the language model (mechanical only)")
        parser.add_argument("--no-tests", action="store_true",
                            help="do not run the change's tests (they run in a sandbox when "
                                 "--repo is given and the change adds or modifies tests)")
        parser.add_argument("--config", help="a .squiggle.toml to apply (default: the one at "
                                             "the root of --repo, if any)")

    def handle(self, *args, diff: str | None, repo: str | None, range_spec: str | None,
               as_json: bool, no_models: bool, no_tests: bool = False,
               config: str | None = None, **options) -> None:
        if not diff and not repo:
            raise CommandError("give --diff FILE|- or --repo DIR (or both: the diff is "
                               "reviewed, its tests run at the head of --repo --range)")
        if range_spec and not repo:
            raise CommandError("--range needs --repo")
        repo_config = self._config(config, repo)
        checkout = None
        try:
            if diff:
                parsed = parse_diff(self._read(diff), limits=ingest_limits())
            else:
                parsed = diff_from_git(repo, range_spec, limits=ingest_limits())
            if repo:  # the findings stage reads files beside the change from it too
                checkout = LocalCheckout(repo, resolve_head(repo, range_spec))
        except IngestError as exc:
            raise CommandError(str(exc)) from None
        use_models = settings.SQUIGGLE["ANALYSIS_ML"] and not no_models
        result = review_diff(parsed, use_models=use_models,
                             importance=importance_settings(repo_config), config=repo_config,
                             checkout=checkout, tests=tests_stage_settings(),
                             run_tests=not no_tests)
        for note in result.notes:
            self.stderr.write(note)
        if as_json:
            self.stdout.write(_dumps(result.to_json()))
        else:
            self.stdout.write(summary(result))

    @staticmethod
    def _config(path: str | None, repo: str | None) -> RepoConfig:
        """`--config FILE`, else `.squiggle.toml` at the root of `--repo`, else the defaults."""
        if path:
            try:
                return load_config(Path(path).read_text(encoding="utf-8", errors="replace"))
            except OSError as exc:
                raise CommandError(f"cannot read {path}: {exc.strerror}") from None
        return read_config(repo) if repo else RepoConfig()

    @staticmethod
    def _read(path: str) -> bytes:
        if path == "-":
            return sys.stdin.buffer.read()
        try:
            with open(path, "rb") as handle:
                return handle.read()
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc.strerror}") from None


def _dumps(data: dict) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False)


def summary(result: ReviewResult) -> str:
    """A readable terminal summary: one line per file, then findings."""
    lines = []
    for item in result.ordered:
        parsed = result.diff.files[item.index]
        tiers = [score.tier for score in result.scores[item.index]]
        tier_note = f"  [{tiers.count('key')} key, {tiers.count('gray')} gray]" if tiers else ""
        lines.append(f"{item.order + 1:>3}. {parsed.path}  +{parsed.added_count} "
                     f"-{parsed.removed_count}  {parsed.status}{tier_note}")
        lines.append(f"     {item.reason}")
    for item in result.ignored:
        lines.append(f"  - {item['path']}  left out: {item['reason']}")
    shown = shown_findings(result.findings, result.config)
    if result.detection_ran and not shown:
        lines.append("  No likely bugs found in the changed code.")
    elif shown:
        lines.append(f"  {FindingCount.of(shown).words()}:")
    for finding in shown:
        lines.append(f"  ! {finding.path}:{finding.line}  {finding.kind} "
                     f"({finding.probability:.0%}, {finding.severity}): {finding.message}")
    return "\n".join(lines)
