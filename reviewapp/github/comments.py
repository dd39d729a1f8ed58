"""Findings into GitHub review comments: which go inline, which into the body, which are new.

Inline only on new-side lines inside the diff's hunks (GitHub refuses others); a fix is a
```suggestion block only when the patched file still parses; a finding already posted on this
pull request (same fingerprint), or dismissed in Squiggle, is never posted again.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from reviewapp.findings import fingerprint
from reviewapp.repo_config import RepoConfig
from reviewapp.reviews.models import FileChange, Finding, Revision
from reviewapp.reviews.rendering import parse_hunk_text

from .models import PostedFinding


@dataclass
class PlannedFinding:
    """One finding as it will be posted: inline (`comment`) or as a line of the review body."""

    finding: Finding
    fingerprint: str
    comment: dict | None  # the review comment payload when inline

    @property
    def place(self) -> str:
        return PostedFinding.INLINE if self.comment else PostedFinding.BODY


@dataclass
class Plan:
    new: list[PlannedFinding]  # to post now
    current: list[Finding]  # every finding of this head the configuration shows
    resolved: list[PostedFinding]  # posted for an earlier head, gone from this one


def plan_findings(revision: Revision, config: RepoConfig, earlier: list[PostedFinding],
                  dismissed: set[str]) -> Plan:
    """What to post for `revision`, given what was posted before and what reviewers dismissed."""
    posted_before = {p.fingerprint for p in earlier}
    current, new, seen = [], [], set()
    findings = revision.findings.filter(state=Finding.OPEN).select_related("file")
    for finding in findings:
        if not config.posts(finding.probability, finding.severity):
            continue
        current.append(finding)
        key = finding_fingerprint(finding)
        seen.add(key)
        if key in posted_before or key in dismissed:
            continue
        new.append(PlannedFinding(finding, key, inline_comment(finding)))
    resolved = [p for p in earlier if p.fingerprint not in seen]
    return Plan(new=new, current=current, resolved=resolved)


def finding_fingerprint(finding: Finding) -> str:
    return fingerprint(finding.file.path, code_line(finding.file, finding.line), finding.kind)


def dismissed_fingerprints(change_set_id: int) -> set[str]:
    """Fingerprints reviewers dismissed in any revision of this change set."""
    dismissed = (Finding.objects.filter(revision__change_set_id=change_set_id,
                                        state=Finding.DISMISSED).select_related("file"))
    return {finding_fingerprint(f) for f in dismissed}


def code_line(file: FileChange, line: int) -> str:
    """The new file's text at a 1-based line ("" when unknown)."""
    lines = new_lines(file)
    return lines[line - 1] if 0 < line <= len(lines) else ""


def new_lines(file: FileChange) -> list[str]:
    if file.new_content is not None:
        return file.new_content.splitlines()
    # No content (a pasted diff): the hunks' new-side lines are all that is known.
    known: dict[int, str] = {}
    for hunk in file.hunks.all():
        for kind, _old, new_no, text in parse_hunk_text(hunk.text, hunk.old_start,
                                                        hunk.new_start):
            if kind in ("add", "ctx") and new_no is not None:
                known[new_no] = text
    return [known.get(number, "") for number in range(1, max(known, default=0) + 1)]


def diff_lines(file: FileChange) -> list[set[int]]:
    """New-side line numbers GitHub accepts comments on, one set per hunk."""
    hunks = []
    for hunk in file.hunks.all():
        hunks.append({new_no for kind, _old, new_no, _text in
                      parse_hunk_text(hunk.text, hunk.old_start, hunk.new_start)
                      if kind in ("add", "ctx") and new_no is not None})
    return hunks


def inline_comment(finding: Finding) -> dict | None:
    """The review comment for a finding, or None when its lines are outside the diff."""
    hunk = next((lines for lines in diff_lines(finding.file)
                 if finding.line in lines and finding.end_line in lines), None)
    if hunk is None:
        return None
    comment = {"path": finding.file.path, "line": finding.end_line, "side": "RIGHT",
               "body": comment_body(finding)}
    if finding.end_line > finding.line:
        comment.update(start_line=finding.line, start_side="RIGHT")
    return comment


def comment_body(finding: Finding) -> str:
    text = (f"**Possible bug** ({finding.kind}, {finding.severity} severity, "
            f"probability {finding.probability:.0%}): {finding.message}")
    if finding.added_import:
        # A suggestion block can only rewrite the commented lines, not the imports above.
        text += f"\n\nAdd to the file's imports:\n```python\n{finding.added_import}\n```"
    patched = suggested_lines(finding)
    if patched is not None:
        text += "\n\n```suggestion\n" + "\n".join(patched) + "\n```"
    return text


def suggested_lines(finding: Finding) -> list[str] | None:
    """The finding's lines with the fix applied, or None when the fix would not parse or
    leaves them as they are (a forgotten import's fix is above them)."""
    if not finding.replacement and finding.end_column <= finding.column:
        return None
    lines = new_lines(finding.file)
    if not 0 < finding.line <= finding.end_line <= len(lines):
        return None
    first, last = lines[finding.line - 1], lines[finding.end_line - 1]
    patched = (first[:finding.column] + finding.replacement + last[finding.end_column:])
    if patched.split("\n") == lines[finding.line - 1:finding.end_line]:
        return None
    new_text = lines[:finding.line - 1] + patched.split("\n") + lines[finding.end_line:]
    if finding.file.path.endswith(".py"):
        try:
            ast.parse("\n".join(new_text) + "\n")
        except (SyntaxError, ValueError):
            return None
    return patched.split("\n")


def body_line(finding: Finding) -> str:
    """A finding as one Markdown list item of the review body or the check-run summary."""
    return (f"- `{finding.file.path}` line {finding.line}: {finding.message} "
            f"({finding.kind}, {finding.severity}, {finding.probability:.0%})")
