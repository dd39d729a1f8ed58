"""Which import a forgotten name's use asks for, if its use says."""

from __future__ import annotations

import ast

import pytest

from bugmodel.missing_imports import attribute_reads, import_for


@pytest.mark.parametrize(("code", "statement"), [
    ("traceback.format_exc()", "import traceback"),
    ("reduce(add, xs)", "from functools import reduce"),
    ("datetime.now()", "from datetime import datetime"),  # the class, not the module
    ("datetime.datetime.now()", "import datetime"),
    ("defaultdict(list)", "from collections import defaultdict"),
    ("np.zeros(3)", "import numpy as np"),
    ("StringIO.StringIO()", ""),  # Python 2's module: io.StringIO has no StringIO
    ("json", ""),  # a module read bare is no module use
    ("count + 1", ""),  # a generic word is a forgotten variable sooner than an import
    ("this.s", ""),  # importing it prints a poem
])
def test_the_import_fits_how_the_code_uses_the_name(code, statement):
    name = code.split(".")[0].split("(")[0].split(" ")[0]
    reads = attribute_reads(ast.parse(code))
    assert import_for(name, reads.get(name, set())) == statement


def test_attribute_reads_are_collected_per_name():
    tree = ast.parse("os.path.join(a.b, a.c)\nself.x.y\n")
    assert attribute_reads(tree) == {"os": {"path"}, "a": {"b", "c"}, "self": {"x"}}
