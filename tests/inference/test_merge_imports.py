"""New import lines shown without context go where the file's sorted import block puts them,
or have no placement."""

from __future__ import annotations

from inference.apply import apply_sketch
from inference.merge_imports import different_imports, import_insertion

HEAD = """from __future__ import annotations

import abc
import random
import typing

import pytest

from .i18n import gettext as _
from .i18n import pgettext as P_


def run():
    return random.random()
""".splitlines()


def test_a_standard_library_import_goes_to_its_sorted_place() -> None:
    assert import_insertion(HEAD, ["import math"]) == HEAD.index("import random")


def test_a_relative_import_goes_into_the_relative_block() -> None:
    """`thousands` sorts after `pgettext`: the end of the block of relative imports."""
    place = import_insertion(HEAD, ["from .i18n import thousands_separator"])
    assert place == HEAD.index("from .i18n import pgettext as P_") + 1


def test_orders_that_disagree_give_no_placement() -> None:
    """`import asyncio` / `from concurrent...` / `from typing...` is sorted both with plain
    imports first and by module alone; `import os` goes second in one, third in the other."""
    lines = ["import asyncio", "from concurrent.futures import Executor", "from typing import Any",
             "", "x = 1"]
    assert import_insertion(lines, ["import os"]) is None
    assert import_insertion(lines, ["import abc"]) == 0


def test_an_unsorted_block_gives_no_placement() -> None:
    lines = ["import typing", "import abc", "", "x = 1"]
    assert import_insertion(lines, ["import math"]) is None


def test_an_import_of_a_name_already_imported_is_a_rewrite_not_an_insertion() -> None:
    """`from collections.abc import Sequence` beside `from typing import ..., Sequence` may
    replace it: no placement is guessed."""
    lines = ["import json", "from typing import Any, Sequence", "", "x = 1"]
    assert import_insertion(lines, ["from collections.abc import Sequence"]) is None


def test_two_blocks_of_the_same_kind_give_no_placement() -> None:
    lines = ["import abc", "", "x = 1", "", "import typing", "", "y = 2"]
    assert import_insertion(lines, ["import math"]) is None


def test_lines_that_are_not_all_imports_give_no_placement() -> None:
    assert import_insertion(HEAD, ["import math", "X = 1"]) is None


def test_imports_binding_different_names_are_not_versions_of_each_other() -> None:
    assert different_imports("from tomlkit import load", "from tomlkit import parse")
    assert not different_imports("from a import x", "from b import x")
    assert not different_imports("from a import x", "x = 1")


def test_apply_places_a_lone_new_import_between_markers() -> None:
    original = "\n".join(HEAD) + "\n"
    sketch = "# ... existing code ...\nimport math\n# ... existing code ...\n"
    result = apply_sketch(original, sketch, path="mod.py")
    assert result.text == original.replace("import random", "import math\nimport random")


def test_an_import_of_a_kind_the_one_import_run_lacks_goes_by_isorts_section_order() -> None:
    """A standard library import goes above the file's only run of imports when that run is
    third-party; after it when the run is of an earlier kind."""
    lines = ["# header", "", "import icecream", "", "x = icecream.ic"]
    assert import_insertion(lines, ["from typing import Optional"]) == 2
    assert import_insertion(["import os", "", "x = 1"], ["import icecream"]) == 1


def test_two_third_party_packages_have_no_section_order() -> None:
    """``import pytest`` beside the one run ``from semver import Version``: which package
    comes first is the file's to say, and it does not."""
    assert import_insertion(["from semver import Version", "", "x = 1"],
                            ["import pytest"]) is None


def test_a_mixed_run_of_imports_refuses_when_its_orders_disagree() -> None:
    """The run holds standard library imports then third-party ones; the new standard
    library import goes after ``from operator import add`` sorted by module, before the
    ``from`` lines with plain imports first: no placement."""
    lines = ["from collections.abc import Iterator", "from operator import add",
             "import pytest", "from whatever import _", "", "x = 1"]
    assert import_insertion(lines, ["import sys"]) is None
    assert import_insertion(lines, ["from string import ascii_letters"]) == 2
