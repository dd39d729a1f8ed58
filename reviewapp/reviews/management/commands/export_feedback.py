"""`manage.py export_feedback [--since DATE]`: reviewers' verdicts on findings as JSONL.

One JSON object a line, oldest first (the format is in README "Feedback as training data").
"""

from __future__ import annotations

import datetime as dt
import json

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from reviewapp.reviews.models import FindingFeedback

#: The record format's version; bumped when a field changes meaning.
FORMAT = "squiggle-feedback/1"


def feedback_record(item: FindingFeedback) -> dict:
    """One verdict as the bug model's training reads it."""
    return {
        "format": FORMAT,
        "created_at": item.created_at.isoformat(),
        "repository": item.repository.full_name,
        "change_set": item.change_set_id,
        "revision": item.revision_number,
        "label": "bug" if item.action == FindingFeedback.ACCEPTED else "not_bug",
        "action": item.action,
        "reason": item.reason or None,
        "path": item.path, "line": item.line, "end_line": item.end_line,
        "column": item.column, "end_column": item.end_column,
        "kind": item.kind, "message": item.message,
        "probability": item.probability, "severity": item.severity,
        "replacement": item.replacement, "added_import": item.added_import,
        "origin": item.origin,
        "model_version": item.model_version, "fingerprint": item.fingerprint,
        "context": {"start_line": item.context_start, "text": item.context},
        "patch": item.patch or None,
    }


def parse_since(text: str) -> dt.datetime:
    """A date (YYYY-MM-DD, midnight in the server's time zone) or an ISO date and time."""
    try:
        when = dt.datetime.fromisoformat(text)
    except ValueError:
        raise CommandError(f"--since {text!r} is not a date: use YYYY-MM-DD or an ISO date "
                           "and time") from None
    return timezone.make_aware(when) if timezone.is_naive(when) else when


class Command(BaseCommand):
    help = "Write reviewers' dismissals and acceptances of findings as JSONL (training data)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--since", help="only verdicts from this date (YYYY-MM-DD) on")
        parser.add_argument("--output", "-o", help="write to this file instead of stdout")

    def handle(self, *args, since: str | None, output: str | None, **options) -> None:
        items = FindingFeedback.objects.select_related("repository").order_by("created_at", "pk")
        if since:
            items = items.filter(created_at__gte=parse_since(since))
        count = 0
        try:
            handle = open(output, "w", encoding="utf-8") if output else None
        except OSError as exc:
            raise CommandError(f"cannot write {output}: {exc.strerror}") from None
        write = handle.write if handle else self.stdout.write
        try:
            for item in items.iterator(chunk_size=500):
                line = json.dumps(feedback_record(item), ensure_ascii=False)
                write(line + "\n" if handle else line)
                count += 1
        finally:
            if handle:
                handle.close()
        self.stderr.write(f"{count} verdict{'s' if count != 1 else ''} exported")
