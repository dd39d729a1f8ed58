"""A pull request's head for the review's tests stage (`reviewapp.findings.proved`) and for
the findings stage's reading of files beside the change (`reviewapp.findings.repository_names`:
only when the change reads a name its own files do not bind): GitHub's tarball of the head
commit, downloaded once, the first time either needs it. The tests run only
when the repository's `.squiggle.toml`, read at the pull request's base, sets
`[stages] tests = true`: a pull request's code may come from anyone, so it is not trusted by
default (`ArchiveCheckout.trusted` is False), cannot opt itself in, and runs only where the
sandbox has bubblewrap (`reviewapp.findings.proved`)."""

from __future__ import annotations

from django.conf import settings

from reviewapp.findings.checkout import ArchiveCheckout, HeadCheckout
from reviewapp.reviews.models import Revision

from .pull_requests import head_archive
from .tasks import client_for


def pull_request_checkout(revision: Revision) -> HeadCheckout | None:
    """The revision's head on GitHub, fetched with the repository's credentials when opened."""
    if not revision.head_sha:
        return None
    repository = revision.change_set.repository

    def fetch() -> bytes:
        return head_archive(client_for(repository), repository.full_name, revision.head_sha,
                            settings.SQUIGGLE_GITHUB["MAX_HUNT_ARCHIVE_BYTES"])

    return ArchiveCheckout(fetch)
