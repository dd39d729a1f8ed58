"""The data card synthdata/real/SOURCES.md, rendered from stats.json, repos.json and (when
present) the real-fix coverage benchmark's results."""

from __future__ import annotations

import json
from pathlib import Path

from synthdata.mining.build import SPLITS

COVERAGE = Path("benchmarks/results/real_fix_coverage.json")

_INTRO = """# Real bug fixes and clean code (synthdata/real)

Single-statement bug fixes mined from the git histories of {n_repos} public Python
repositories with open licenses, and clean functions from the same repositories at their
newest commit. Built by `python -m synthdata mine` (code: `synthdata/mining/`); every number
below comes from `stats.json` of the same build. Splits are **by repository**: a repository's
fixes and clean functions are all in one split.

## Files

- `fixes.jsonl.gz`: one fix per line: `id` (`owner/name@sha:path:line`), `repo`, `commit`
  (the fixing commit; `file_before` is the file at its parent), `date` (committer date of the
  fix), `license` (SPDX id of the root LICENSE/COPYING file at the parent commit), `split`,
  `path`, `message` (first line of the commit message), `kind`, `file_before` (the **whole**
  buggy file, LF newlines; no `file_offset`: files are not cut), `func_name` (qualified:
  `Class.method`), `func_start`/`func_end` (1-based inclusive lines of the enclosing function,
  decorators excluded), `bug_line`/`bug_col`..`bug_end_line`/`bug_end_col` (the smallest
  differing span: 1-based lines, 0-based **character** columns, end exclusive; an empty span
  is an insertion point), `stmt_line`/`stmt_end_line` (the buggy statement; for compound
  statements its header, e.g. `if ...:`), `buggy_code` (the text of the span), `fixed_code`
  (the text that replaces it) and `file_after_func` (the fixed function's text).
  Replacing the span of `file_before` with `fixed_code` gives a file whose AST equals the
  fixing commit's file (checked for every record; the commit may also have changed comments
  or formatting elsewhere, which the record does not carry).
- `clean.jsonl.gz`: `repo`, `commit` (the mirror's HEAD), `license`, `split`, `path`,
  `func_name`, `func_start`, `func_end`, `source` (the function's text, with its original
  indentation), `file_context` (up to the first 60 lines of the file before the function).
- `clean_files.jsonl.gz`: `repo`, `commit`, `path`, `text`: the whole file of every dev and
  test clean function at its commit, once per file (`python -m synthdata clean-files
  --mirrors DIR`), so that checks reading the rest of the module (undefined names,
  `bugmodel/undefined_names.py`) judge clean code as detection does.
- `repos.json`: the repository list with URL, license at HEAD, split, whether the synthetic
  corpus holds its package (`in_synthetic_corpus`), its top-level packages and the HEAD mined.
  Passing it back with `--repos` keeps the split assignment.
- `stats.json`: counts per split, kind and repository, and why commits were dropped.
- `small_programs.jsonl.gz`: small real programs with one known bug each, from ConDefects
  (github.com/appmlk/ConDefects, MIT: AtCoder submissions that failed, each paired with the
  same author's accepted program), built by `python benchmarks/small_programs_data.py
  <ConDefects git dir>` (its docstring has the rules: one replaced run of at most three lines,
  both versions parse, at most 300 lines, faulty programs deduplicated). Split by contest,
  not by repository: train 1,208, dev 439, test 612 programs. The line ranker learns from the
  train split; `benchmarks/small_programs.py` measures the detector on dev and test.

## Rebuild

```
# 1. mirrors: one bare clone per repository of repos.json, in directories named owner+name
#    (here they came from the session's `fetch` tool into /work/.mirror/owner+name/repo)
python -m synthdata mine --mirrors /work/.mirror/*+*/repo --out synthdata/real \\
    --repos synthdata/real/repos.json --seed {seed} --max-fixes-per-repo {max_fixes} \\
    --clean-per-repo {clean_per_repo}
python -m benchmarks.real_fix_coverage      # coverage of the rewrite enumeration
python -m synthdata card --out synthdata/real   # this file
```
Results depend on the mirrors' HEADs (listed in repos.json); a later snapshot adds fixes.

## Mining rules

1. Commits: no merges; the message matches fix/bug/incorrect/wrong/mistake/broken/crash/
   regression/off-by-one/typo/invalid/erroneous/faulty (whole message), and the subject
   does not say refactor/cleanup/style/lint/pep8/flake8/pylint/mypy/typing/annotation/
   rename/reformat/formatting/whitespace/isort/bump/release/revert/merge/deprecat*/
   changelog/readme. (Docs-, comment- and test-only changes need no word: rules 2 to 4
   leave nothing of them.)
2. Exactly one modified Python file outside tests, docs, examples, scripts, benchmarks,
   vendored code and setup files; other non-Python files (changelogs) and test files may
   change too.
3. Both versions parse with `ast` (Python 3.11 grammar: Python-2-only code drops out); the
   module outside one function is AST-equal (no added imports, no module-level changes);
   the function's signature and decorators are unchanged; in its body exactly one
   statement differs (a compound statement counts by its header), or a short `if` guard
   (at most 6 lines) is inserted before a statement or wrapped around it. ASTs compare
   without positions, so whitespace- and comment-only changes do not count.
4. Rejected: docstring changes, changes to logging/print/warn calls, to exception messages
   (`raise E(...)` arguments), to assert messages, to annotations (also `x = v` to
   `x: T = v`), `pass` statements,
   `TYPE_CHECKING` guards; functions over 300 lines, statements over 12 lines, test
   functions; files over 600 kB; line diffs over 16 lines.
5. The smallest differing span: descend the two statements' ASTs while exactly one
   positioned child differs; an operator-only change (`<` vs `<=`, `and` vs `or`, `+` vs
   `-`) is the operator token; an attribute-name change is the name after the dot.
6. Kinds (first rule that applies): `missing_guard` (guard inserted or wrapped, or a
   condition `and`/`or`-ed onto an expression); `comparison` (comparison operator changed);
   `missing_not`/`extra_not` (`not` added/removed, or `is`/`in` to `is not`/`not in` and
   back); `boolean_op`; `wrong_operator` (arithmetic/bitwise/augmented); `off_by_one` (an int
   literal changed by 1, or `x` vs `x ± 1`); `wrong_literal`; `wrong_call` (the called
   function or method changed, arguments equal, or the differing node is the callee);
   `swapped_args`; `argument_added`/`argument_removed`; `wrong_variable` (a name replaced by
   a name bound in the function or module); `wrong_attribute` (same object, other
   attribute); `extra_condition` (an `and`/`or` operand removed); `missing_call` (`x` became
   `f(x)`, e.g. a missing conversion); `wrong_return` (any other change inside a
   `return`); `other`.
7. Dedupe: a fix whose buggy function (whitespace and comment lines removed) equals an
   earlier fix's is dropped (cherry-picks, backports, copies); so is a fix whose buggy
   function's normalised hash occurs among the functions of the synthetic corpus (stdlib +
   the venv's site-packages that `python -m synthdata build` reads). Forks: repositories
   sharing a root commit count as one project (the one with most fixes is kept).
8. Splits: repositories whose top-level package is installed in the venv (so the
   synthetic corpus trains on some version of their code) are **train**; the others are
   shuffled with the seed and assigned, largest first, to the split furthest below its
   60/20/20 share of fixes. At most {max_fixes} fixes per repository (a seeded sample), so
   no repository dominates.
9. Clean code: functions (3 to 200 lines, not named test*, outside test/docs/example
   paths) of the repository at HEAD, excluding any (path, function name) a mined fix
   touched, any function equal to a fix's buggy or fixed function, duplicates, and any whose
   normalised hash occurs in the synthetic corpus; at most {clean_per_repo} per repository
   (a seeded sample).

## Known noise

- "fix" in a message does not make every one-statement change a bug fix: some are
  behaviour changes, Python 2 to 3 ports (`unicode` to `str`), or user-facing text fixes
  (string literals in help texts count as `wrong_literal`).
- Histories before a project's move to Python 3 syntax are invisible (files must parse).
- The license is the root license file's at the fix's parent commit, recognised by its text
  (MIT, BSD, Apache-2.0, PSF, ISC, MPL, LGPL); fixes from commits without one are dropped.
- A function with the same path and name as a fixed one is excluded from clean code even
  if it was rewritten since; conversely a clean function may still hold an unfound bug.
"""


def _table(header: list[str], rows: list[list]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def render(out_dir: Path, coverage_file: Path = COVERAGE) -> str:
    """SOURCES.md text for the build in `out_dir`."""
    stats = json.loads((out_dir / "stats.json").read_text())
    repos = json.loads((out_dir / "repos.json").read_text())
    parts = [_INTRO.format(n_repos=len(repos), seed=stats["seed"],
                           max_fixes=stats["max_fixes_per_repo"],
                           clean_per_repo=stats["clean_per_repo"])]
    splits = stats["splits"]
    parts.append("## Totals\n\n" + _table(
        ["split", "repositories", "fixes", "clean functions", "clean lines"],
        [[s, len(splits[s]["repos"]), splits[s]["fixes"], splits[s]["clean"],
          splits[s]["clean_lines"]] for s in SPLITS]
        + [["all", len(repos), sum(splits[s]["fixes"] for s in SPLITS),
            sum(splits[s]["clean"] for s in SPLITS),
            sum(splits[s]["clean_lines"] for s in SPLITS)]]))
    kinds = sorted({k for s in SPLITS for k in splits[s]["kinds"]},
                   key=lambda k: -sum(splits[s]["kinds"].get(k, 0) for s in SPLITS))
    parts.append("### Fixes per kind\n\n" + _table(
        ["kind", *SPLITS, "all"],
        [[k, *(splits[s]["kinds"].get(k, 0) for s in SPLITS),
          sum(splits[s]["kinds"].get(k, 0) for s in SPLITS)] for k in kinds]))
    parts.append("### Dropped\n\n" + "\n".join(
        [f"- fixes: {json.dumps(stats['dropped_fixes'])}",
         f"- clean functions: {json.dumps(stats['dropped_clean'])}",
         f"- repositories: {json.dumps(stats['dropped_repos']) or 'none'}"]))
    per_repo = stats["repos"]
    parts.append("## Repositories\n\n" + _table(
        ["repository", "license", "split", "fixes (mined)", "fix dates", "clean", "HEAD mined",
         "commits read"],
        [[f"[{r['repo']}]({r['url']})", r["license"], r["split"],
          f"{per_repo[r['repo']]['fixes']} ({per_repo[r['repo']]['mined']})",
          f"{per_repo[r['repo']]['first_fix'] or '-'} .. {per_repo[r['repo']]['last_fix'] or '-'}",
          per_repo[r["repo"]]["clean"], f"`{r['head'][:10]}` ({r['head_date']})",
          per_repo[r["repo"]]["commits"]]
         for r in repos]))
    if coverage_file.exists():
        parts.append(_coverage_section(json.loads(coverage_file.read_text())))
    return "\n\n".join(p.rstrip() for p in parts) + "\n"


def _coverage_section(result: dict) -> str:
    cov = result["coverage"]
    rows = [[split, cov[split]["all"]["fixes"], f"{cov[split]['all']['base']:.1%}",
             f"{cov[split]['all']['new']:.1%}", cov[split]["all"]["candidates_base"],
             cov[split]["all"]["candidates_new"]]
            for split in (*SPLITS, "all") if split in cov]
    kinds = [[kind, row["fixes"], f"{row['base']:.1%}", f"{row['new']:.1%}"]
             for kind, row in cov["all"].items() if kind != "all"]
    return (
        "## Can the rewrite enumeration express these fixes?\n\n"
        "`python -m benchmarks.real_fix_coverage`: share of fixes whose exact repair is among "
        "the candidates enumerated for the buggy function the way the detector does "
        f"(max {result['max_misuse_names']} names per misuse site), for synthdata/rewrites.py at "
        f"`{result['base_commit']}` (base) and now (new), in one run. Enumerating took "
        f"{result['seconds_enumerating']['base']} s (base) and "
        f"{result['seconds_enumerating']['new']} s (new) for all fixes (each fix's whole file "
        "parsed and its names collected afresh; the detector does that once per file).\n\n"
        + _table(["split", "fixes", "base", "new", "candidates/function base", "new"], rows)
        + "\n\n" + _table(["kind", "fixes", "base", "new"], kinds))
