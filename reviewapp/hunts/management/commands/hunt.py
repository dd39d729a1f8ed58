"""`manage.py hunt`: reproduce, localize, repair and validate a bug with its tests (no database)."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from reviewapp.hunts.engine.hunt import ERROR, HuntConfig, HuntProgress, run_hunt
from reviewapp.hunts.engine.reproduce import TestCommand, TestCommandError


class Command(BaseCommand):
    help = ("Hunt a known bug: run the failing tests in a sandbox, rank suspicious lines, try "
            "candidate fixes within a budget, print validated patches best first.")

    def add_arguments(self, parser) -> None:
        parser.add_argument("--repo", required=True, help="the repository (a directory)")
        parser.add_argument("--test", required=True,
                            help='the test command, e.g. "python -m pytest tests/test_a.py"; '
                                 "python is the interpreter running the hunt")
        parser.add_argument("--issue", default="", help="what is wrong, in words")
        parser.add_argument("--budget-s", type=float, default=300.0,
                            help="wall seconds to spend (default 300)")
        parser.add_argument("--cpu-budget-s", type=float, default=None,
                            help="CPU seconds of test runs (default budget x parallel)")
        parser.add_argument("--parallel", type=int, default=2, help="sandboxes at once")
        parser.add_argument("--no-bugmodel", action="store_true",
                            help="localize and repair without the bug model")
        parser.add_argument("--no-lm", action="store_true",
                            help="no language model: neither its rewrites (stage 3) nor its "
                                 "surprisal in the localization")
        parser.add_argument("--no-lm-surprisal", action="store_true",
                            help="localize without the language model's surprisal")
        parser.add_argument("--json", dest="as_json", action="store_true",
                            help="print the hunt result as JSON")

    def handle(self, *args, repo: str, test: str, issue: str, budget_s: float,
               cpu_budget_s: float | None, parallel: int, no_bugmodel: bool, no_lm: bool,
               no_lm_surprisal: bool, as_json: bool,
               **options) -> None:
        if not Path(repo).is_dir():
            raise CommandError(f"--repo {repo}: not a directory")
        if budget_s <= 0 or parallel < 1:
            raise CommandError("--budget-s must be positive and --parallel at least 1")
        try:
            TestCommand.parse(test)
        except TestCommandError as exc:
            raise CommandError(f"--test: {exc}") from None
        config = HuntConfig(budget_s=budget_s, cpu_budget_s=cpu_budget_s, parallel=parallel,
                            use_bugmodel=not no_bugmodel, use_lm=not no_lm,
                            use_lm_surprisal=not no_lm_surprisal)
        result = run_hunt(repo, test, issue, config, on_progress=self._progress)
        if as_json:
            self.stdout.write(json.dumps(result.to_json(), indent=2))
        else:
            self.stdout.write(f"{result.status}: {result.message}")
            for patch in result.patches:
                self.stdout.write(patch.diff)
        if result.status == ERROR:
            raise CommandError(result.message or "the hunt failed")

    def _progress(self, progress: HuntProgress) -> None:
        self.stderr.write(
            f"[{progress.wall_s:6.1f} s, {progress.cpu_s:6.1f} cpu-s] {progress.phase}: "
            f"{progress.tried}/{progress.candidates_total} tried, {progress.passing} passing, "
            f"{progress.overfitting} overfitting")
