"""Where a forgotten import goes: joined to an import from the same module, else after the
module's leading imports."""

from __future__ import annotations

import pytest

from reviewapp.findings.import_lines import UnplacedImport, add_import


@pytest.mark.parametrize("text, expected", [
    # after a `try` block of imports, before the module's other statements
    ("import os\ntry:\n    import json\nexcept ImportError:\n    json = None\n\nX = 1\n",
     "import os\ntry:\n    import json\nexcept ImportError:\n    json = None\nimport re\n"
     "\nX = 1\n"),
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
