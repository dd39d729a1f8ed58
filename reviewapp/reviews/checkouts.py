"""The head's files of a stored revision, for the analysis stage that runs the change's tests.

One provider per revision source. Local git revisions use the repository's registered checkout
(`Repository.checkout_path`, under SQUIGGLE_REPO_ROOTS) at the revision's head commit, or its
working tree for a review of uncommitted changes. Other apps register providers for their
sources in their `AppConfig.ready()` (`reviewapp.github`: a pull request's head from GitHub's
tarball), so this app never imports them. Pasted and uploaded diffs have no known head.
"""

from __future__ import annotations

from collections.abc import Callable

from reviewapp.findings.checkout import HeadCheckout, LocalCheckout
from reviewapp.ingest.errors import GitSourceError

from .models import Revision

Provider = Callable[[Revision], HeadCheckout | None]
_PROVIDERS: dict[str, Provider] = {}


def register(source: str, provider: Provider) -> None:
    """`provider` gives the head of revisions from `source` (a `Revision.SOURCES` value)."""
    _PROVIDERS[source] = provider


def head_checkout(revision: Revision) -> HeadCheckout | None:
    """Where the revision's head files come from; None when they are not at hand. Cheap: a
    provider fetches nothing until the checkout is opened."""
    provider = _PROVIDERS.get(revision.source)
    return provider(revision) if provider is not None else None


def _registered_checkout(revision: Revision) -> HeadCheckout | None:
    try:
        path = revision.change_set.repository.checkout_path()
    except GitSourceError:
        return None
    return LocalCheckout(str(path), revision.head_sha or None)


register(Revision.GIT, _registered_checkout)
