"""Where a forgotten import goes: joined to an import from the same module, else after the
module's leading imports."""

from __future__ import annotations

import pytest

from reviewapp.findings.import_lines import UnplacedImport, add_import


@pytest.mark.parametrize("text, expected", [
    # after the group's last plain import, not after a `try` block's fallback code
    ("import os\ntry:\n    import json\nexcept ImportError:\n    json = None\n\nX = 1\n",
     "import os\nimport re\ntry:\n    import json\nexcept ImportError:\n    json = None\n"
     "\nX = 1\n"),
    # a group of `try` blocks only: after the last of them, before the other statements
    ("try:\n    import json\nexcept ImportError:\n    json = None\nX = 1\n",
     "try:\n    import json\nexcept ImportError:\n    json = None\nimport re\nX = 1\n"),
    # an import inside a function is not the module's
    ("def f():\n    import os\n", "import re\ndef f():\n    import os\n"),
    # a docstring and no imports: after the docstring
    ('"""Doc,\non two lines."""\nX = 1\n', '"""Doc,\non two lines."""\nimport re\nX = 1\n'),
    # a shebang and an encoding line stay first
    ("#!/usr/bin/env python\n# -*- coding: utf-8 -*-\nX = 1\n",
     "#!/usr/bin/env python\n# -*- coding: utf-8 -*-\nimport re\nX = 1\n"),
    # Windows line endings are kept, and a last line without a newline gets one
    ("import os\r\nX = 1\r\n", "import os\r\nimport re\r\nX = 1\r\n"),
    ("import os", "import os\nimport re\n"),
    ("", "import re\n"),
])
def test_an_import_goes_after_the_module_s_leading_imports(text, expected):
    assert add_import(text, "import re") == expected


@pytest.mark.parametrize("text, expected", [
    # flask's own fix of the same NameError (e78961c8)
    ("from ._compat import BROKEN\nimport os\n",
     "from ._compat import BROKEN, reraise\nimport os\n"),
    # one name per line in brackets: a line of its own, and a comma where one was missing
    ("from ._compat import (\n    A,\n    B\n)\n", "from ._compat import (\n    A,\n    B,\n"
     "    reraise,\n)\n"),
    # a line that would grow past the file's width, a comment, another module: a line of its own
    ("from ._compat import " + ", ".join(f"name_{i}" for i in range(9)) + "\n",
     "from ._compat import " + ", ".join(f"name_{i}" for i in range(9)) + "\n"
     "from ._compat import reraise\n"),
    ("from ._compat import A  # noqa\n", "from ._compat import A  # noqa\n"
     "from ._compat import reraise\n"),
    ("from .compat import A\n", "from .compat import A\nfrom ._compat import reraise\n"),
])
def test_a_name_joins_an_import_from_the_same_module(text, expected):
    assert add_import(text, "from ._compat import reraise") == expected


def test_a_standard_import_joins_the_standard_group():
    # gunicorn's glogging.py and its own fix of the NameError (571a5309)
    text = "import datetime\nimport sys\n\nfrom gunicorn import util\n\nclass Logger:\n    pass\n"
    assert add_import(text, "import traceback") == text.replace(
        "import sys\n", "import sys\nimport traceback\n")
    config = "from gunicorn.config import Config"
    assert add_import(text, config) == text.replace(
        "from gunicorn import util\n", f"from gunicorn import util\n{config}\n")


@pytest.mark.parametrize(("text", "statement", "reason"), [
    ("def f(:\n", "import re", "does not parse"),
    ("X = 1\n", "import re; import os", "is not one statement"),
    ("X = 1\n", "os.system('x')", "is no import"),
    ("X = 1\n", "import (", "is not one statement"),
])
def test_an_import_that_cannot_be_placed_says_why(text, statement, reason):
    with pytest.raises(UnplacedImport, match=reason):
        add_import(text, statement)


@pytest.mark.parametrize("text, statement, expected", [
    # a sorted group: plain imports first, then `from` imports, each by module
    ("import os\nimport sys\nfrom collections import deque\n", "import errno",
     "import errno\nimport os\nimport sys\nfrom collections import deque\n"),
    ("import os\nimport sys\nfrom collections import deque\n", "from abc import ABC",
     "import os\nimport sys\nfrom abc import ABC\nfrom collections import deque\n"),
    # sorted by module alone (isort's force_sort_within_sections)
    ("from abc import ABC\nimport os\nimport sys\n", "import errno",
     "from abc import ABC\nimport errno\nimport os\nimport sys\n"),
    # `__future__` stays first, a comment stays above its import
    ("from __future__ import annotations\n\nimport os\n# the config\nimport sys\n",
     "import re", "from __future__ import annotations\n\nimport os\nimport re\n# the config\n"
     "import sys\n"),
    # an unsorted group, or one with a `try` block: after its last plain import
    ("import sys\nimport os\n", "import errno", "import sys\nimport os\nimport errno\n"),
    ("import os\ntry:\n    import json\nexcept ImportError:\n    json = None\n", "import errno",
     "import os\nimport errno\ntry:\n    import json\nexcept ImportError:\n    json = None\n"),
    # a first standard import opens its group above the others (gunicorn's fix d14389cb68)
    ("# This file is part of gunicorn.\n\nfrom tornado.ioloop import IOLoop\n\nX = 1\n",
     "import os", "# This file is part of gunicorn.\n\nimport os\n\n"
     "from tornado.ioloop import IOLoop\n\nX = 1\n"),
    ("from __future__ import annotations\nfrom tornado.ioloop import IOLoop\n", "import os",
     "from __future__ import annotations\nimport os\n\nfrom tornado.ioloop import IOLoop\n"),
    # the other group's sorted imports, relative ones last
    ("import os\n\nfrom flask.app import Flask\nfrom flask.helpers import url_for\n"
     "from .views import index\n", "from flask.config import Config",
     "import os\n\nfrom flask.app import Flask\nfrom flask.config import Config\n"
     "from flask.helpers import url_for\nfrom .views import index\n"),
])
def test_an_import_takes_its_sorted_place_in_a_sorted_group(text, statement, expected):
    assert add_import(text, statement) == expected
