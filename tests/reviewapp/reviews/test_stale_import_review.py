"""A review of a registered checkout tells of names the change removes that other files still
import: a finding where the name was renamed, a note when the whole module was deleted."""

from __future__ import annotations

import pytest

from reviewapp.reviews.models import AnalysisJob, Finding, Revision
from reviewapp.reviews.services import DiffInput, create_change_set

from ..findings.test_repository_names import commit, git

pytestmark = [pytest.mark.django_db, pytest.mark.ml]


def test_a_deleted_module_still_imported_is_a_warning_of_the_review(
        client, repository, member, tmp_path, temp_repo_roots,
        django_capture_on_commit_callbacks):
    repo = tmp_path / "shop"
    repo.mkdir()
    git(repo, "init", "-q")
    commit(repo, {"shop/__init__.py": "", "shop/compat.py": "PY2 = False\nPY3 = True\n",
                  "shop/util.py": "def total(xs):\n    return sum(xs)\n",
                  "shop/cart.py": "from shop.compat import PY2, PY3\n"
                                  "from shop.util import total\n"},
           "start")
    git(repo, "rm", "-q", "shop/compat.py")
    head = commit(repo, {"shop/util.py": "def sum_of(xs):\n    return sum(xs)\n"}, "tidy up")
    repository.local_path = str(repo)
    repository.save()
    with django_capture_on_commit_callbacks(execute=True):
        revision = create_change_set(repository, "Tidy", member,
                                     DiffInput(repo_dir=str(repo), range_spec=f"{head}^..{head}"))
    assert revision.jobs.get().state == AnalysisJob.DONE
    [renamed] = Finding.objects.filter(revision=revision)
    assert (renamed.kind, renamed.path, renamed.line) == ("stale_import", "shop/util.py", 1)
    assert Revision.objects.get(pk=revision.pk).warnings == [
        "imports: `shop/cart.py` line 1 still imports `PY2`, `PY3` from `shop.compat`, which "
        "this change deletes: ImportError when it is imported"]
    client.force_login(member)
    page = client.get(revision.get_absolute_url()).content.decode()
    assert "still imports `PY2`, `PY3` from `shop.compat`" in page
