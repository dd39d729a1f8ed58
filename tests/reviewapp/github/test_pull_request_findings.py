"""The findings stage of a pull request's review reads the files beside the change from
GitHub's tarball of the head (the fake GitHub over HTTP, PostgreSQL), only when a name needs
them: a name the unchanged request data files read unbound is no finding, a missing import
names the module that defines it, and a change without such names downloads nothing."""

from __future__ import annotations

import pytest

from reviewapp.github.pull_requests import fetch_pull_request
from reviewapp.github.tasks import _fetch_limits, client_for
from reviewapp.reviews.analysis import detect_bugs, load_revision
from reviewapp.reviews.models import ChangeSet, Revision
from reviewapp.reviews.services import store_revision

from .conftest import REPO

pytestmark = [pytest.mark.ml]

DATA = "request = {\n    'method': 'GET',\n    'uri': uri('/stuff'),\n}\n"
BASE = {
    "README.md": "# widgets\n",
    "tests/requests/treq.py": "import glob\n\nfor name in glob.glob('valid/*.py'):\n"
                              "    exec(open(name).read(), {'uri': str})\n",
    "tests/requests/valid/001.py": DATA,
    "tests/requests/valid/002.py": DATA.replace("stuff", "other"),
    "widgets/__init__.py": "",
    "widgets/compat.py": "try:\n    import simplejson as json\nexcept ImportError:\n"
                         "    import json\n\n\ndef dumps(value):\n    return json.dumps(value)\n",
    "widgets/sizes.py": "def area(width, height):\n    return width * height\n",
}


def review_pull_request(fake_github, repository, head: dict[str, str]) -> list:
    """Open the pull request on the fake, store it as the task does, run the findings stage;
    the undefined names found."""
    pull = fake_github.open_pull_request(REPO, 1, BASE, head, title="A change")
    fetched = fetch_pull_request(client_for(repository), REPO, 1, pull.base_sha, pull.head_sha,
                                 _fetch_limits())
    change_set = ChangeSet.objects.create(repository=repository, kind=ChangeSet.PULL_REQUEST,
                                          number=1, title="#1 A change")
    revision = store_revision(change_set, fetched.parsed, Revision.GITHUB)
    detect_bugs(load_revision(revision))
    return list(revision.findings.filter(kind="undefined_name").select_related("file"))


def test_a_name_the_files_beside_read_unbound_is_no_finding(connected, fake_github):
    new_data = DATA.replace("stuff", "new").replace("GET", "POST")
    assert review_pull_request(fake_github, connected,
                               {**BASE, "tests/requests/valid/003.py": new_data}) == []
    assert len(fake_github.calls_to("GET", r"/tarball/")) == 1


def test_a_missing_import_names_the_module_that_defines_it(connected, fake_github):
    head = {**BASE, "widgets/sizes.py": BASE["widgets/sizes.py"]
            + "\n\ndef describe(width, height):\n    return dumps([width, height])\n"}
    [finding] = review_pull_request(fake_github, connected, head)
    assert (finding.file.path, finding.line) == ("widgets/sizes.py", 6)
    assert "a missing `from widgets.compat import dumps`?" in finding.message
    assert len(fake_github.calls_to("GET", r"/tarball/")) == 1


def test_a_change_without_undefined_names_downloads_nothing(connected, fake_github):
    head = {**BASE, "widgets/sizes.py": BASE["widgets/sizes.py"]
            + "\n\ndef perimeter(width, height):\n    return 2 * (width + height)\n"}
    assert review_pull_request(fake_github, connected, head) == []
    assert fake_github.calls_to("GET", r"/tarball/") == []
