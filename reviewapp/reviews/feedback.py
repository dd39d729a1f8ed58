"""Reviewers' verdicts on findings: dismiss with a reason, or accept into a committable fix.

Every verdict is also stored as a `FindingFeedback` row (the finding's fields, the code around
it, the model version and probability): the training data `manage.py export_feedback` writes.
"""

from __future__ import annotations

from django.db import transaction

from reviewapp.findings import FixSource, NoFix, SuggestedFix, suggest_fix

from .models import Finding, FindingFeedback
from .rendering import known_lines, parse_hunk_text

# Lines of code kept on each side of a finding in its feedback record.
CONTEXT_LINES = 20
REASONS = dict(Finding.DISMISS_REASONS)


class InvalidVerdict(ValueError):
    """A verdict the finding cannot take (an unknown reason, a finding already decided)."""


def fix_source(finding: Finding) -> FixSource:
    """The text the finding's fix is made on: the new file, or (a pasted diff) the new-side
    lines of the hunk that holds the finding. Raises NoFix when neither is known."""
    file = finding.file
    if file.new_content is not None:
        return FixSource(file.new_content)
    for hunk in file.hunks.all():
        if hunk.new_start <= finding.line and finding.end_line < hunk.new_start + hunk.new_lines:
            lines = [text for kind, _, _, text in parse_hunk_text(hunk.text, hunk.old_start,
                                                                  hunk.new_start)
                     if kind in ("ctx", "add")]
            return FixSource("".join(line + "\n" for line in lines), hunk.new_start,
                             whole_file=False)
    raise NoFix(f"line {finding.line} of {file.path} is not in the diff")


def code_context(finding: Finding) -> tuple[int, str]:
    """(first line, text) of the known new-side code around the finding."""
    lines = known_lines(finding.file, list(finding.file.hunks.all()))
    first = max(1, finding.line - CONTEXT_LINES)
    last = finding.end_line + CONTEXT_LINES
    numbers = [n for n in range(first, last + 1) if n in lines]
    if not numbers:
        return finding.line, ""
    return numbers[0], "\n".join(lines.get(n, "") for n in range(numbers[0], numbers[-1] + 1))


def _record(finding: Finding, user, action: str, reason: str = "", patch: str = ""
            ) -> FindingFeedback:
    revision = finding.revision
    start, context = code_context(finding)
    return FindingFeedback.objects.create(
        finding=finding, repository_id=revision.change_set.repository_id,
        change_set_id=revision.change_set_id, revision_number=revision.number,
        user=user if user is not None and user.is_authenticated else None,
        action=action, reason=reason, path=finding.file.path, line=finding.line,
        end_line=finding.end_line, column=finding.column, end_column=finding.end_column,
        kind=finding.kind, message=finding.message, probability=finding.probability,
        severity=finding.severity, replacement=finding.replacement,
        added_import=finding.added_import, origin=finding.origin,
        model_version=finding.model_version, fingerprint=finding.fingerprint,
        context=context, context_start=start, patch=patch,
    )


def dismiss(finding: Finding, user, reason: str) -> int:
    """Dismiss the finding, and the same finding (fingerprint) in every revision of its change
    that still shows it; returns how many findings were dismissed."""
    if reason not in REASONS:
        raise InvalidVerdict(f"the reason must be one of {', '.join(REASONS)}, not {reason!r}")
    if finding.state != Finding.OPEN:
        raise InvalidVerdict(f"this finding is already {finding.state}")
    with transaction.atomic():
        same = Finding.objects.filter(pk=finding.pk)
        if finding.fingerprint:
            same = Finding.objects.filter(
                revision__change_set_id=finding.revision.change_set_id,
                fingerprint=finding.fingerprint, state=Finding.OPEN)
        count = same.update(state=Finding.DISMISSED, dismiss_reason=reason)
        finding.state, finding.dismiss_reason = Finding.DISMISSED, reason
        _record(finding, user, FindingFeedback.DISMISSED, reason=reason)
    return count


def accept(finding: Finding, user) -> SuggestedFix:
    """Accept the finding: its fix is made through Apply and kept on the finding as a patch.
    Raises NoFix when the finding has no fix that applies."""
    if finding.state == Finding.DISMISSED:
        raise InvalidVerdict("this finding was dismissed")
    fix = suggest_fix(finding.file.path, fix_source(finding), finding)
    with transaction.atomic():
        already = finding.state == Finding.ACCEPTED
        finding.state, finding.fix_patch = Finding.ACCEPTED, fix.patch
        finding.save(update_fields=["state", "fix_patch"])
        if not already:  # accepting twice is one verdict
            _record(finding, user, FindingFeedback.ACCEPTED, patch=fix.patch)
    return fix
