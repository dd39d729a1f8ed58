"""`manage.py reanalyze REVIEW`: run a review's analysis again (e.g. after a failure)."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from reviewapp.reviews import jobs
from reviewapp.reviews.models import ChangeSet


class Command(BaseCommand):
    help = "Queue a fresh analysis of a review's latest (or given) revision."

    def add_arguments(self, parser) -> None:
        parser.add_argument("review", type=int, help="the review's number (as in /reviews/N/)")
        parser.add_argument("--revision", type=int, help="a revision number (default: latest)")
        parser.add_argument("--wait", action="store_true",
                            help="wait until the analysis finishes; exit 1 if it fails")

    def handle(self, *args, review: int, revision: int | None, wait: bool, **options) -> None:
        change_set = ChangeSet.objects.filter(pk=review).first()
        if change_set is None:
            raise CommandError(f"no review {review}")
        revisions = change_set.revisions.order_by("-number")
        target = revisions.filter(number=revision).first() if revision else revisions.first()
        if target is None:
            raise CommandError(f"review {review} has no revision {revision or ''}".rstrip())
        job = jobs.reanalyze(target)
        self.stderr.write(f"analysis of {target} queued as job {job.pk}")
        if wait:
            job = jobs.wait(job)
            self.stdout.write(json.dumps({"revision": target.number, "job": job.as_json()}))
            if job.state != job.DONE:
                raise CommandError(f"the analysis {job.state}: {job.error}")
