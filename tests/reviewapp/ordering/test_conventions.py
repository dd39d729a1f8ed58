"""conventions: where a pasted diff hides the imports, paths still say what to read first."""

from __future__ import annotations

from reviewapp.ordering import order_files
from reviewapp.ordering.conventions import (
    foundation_rank,
    is_entry_point,
    is_foundation,
    is_private,
)

from .conftest import make_file


def paths(result) -> list[str]:
    return [item.path for item in sorted(result, key=lambda item: item.order)]


def pasted(path: str, old: str, new: str):
    """A modified file as a pasted diff shows it: hunks only, no full texts."""
    return make_file(path, old, new, with_content=False)


FILLER = "".join(f"# line {n}\n" for n in range(20))


def module(body_old: str, body_new: str) -> tuple[str, str]:
    """A module whose change sits far below its imports, out of the hunk's context."""
    head = "import os\n" + FILLER
    return head + body_old, head + body_new


def edited(path: str, function: str, body: str = "return 2"):
    """A pasted modified module whose `function` changes from `return 1` to `body`."""
    return pasted(path, *module(f"def {function}():\n    return 1\n",
                                f"def {function}():\n    {body}\n"))


def test_a_gathering_init_comes_after_the_modules_beside_it():
    """`pkg/__init__.py` re-exporting from `.core` is read after zeta.py beside it, though no
    import line and no shared name in the hunks ties them."""
    init_old = FILLER + "from .core import Engine\n__all__ = ['Engine']\n"
    init_new = FILLER + "from .core import Engine, Motor\n__all__ = ['Engine', 'Motor']\n"
    files = [
        pasted("pkg/__init__.py", init_old, init_new),
        edited("pkg/zeta.py", "spin"),
    ]
    result = order_files(files)
    assert paths(result) == ["pkg/zeta.py", "pkg/__init__.py"]
    assert result[1].reason == "probably imports `pkg/zeta.py` above"


def test_an_init_that_bumps_its_version_is_not_placed_after_its_modules():
    """A `__version__` bump in __init__ makes it a definer its modules may import from."""
    init_old = '"""Package."""\n\n__version__ = "1.0"\n'
    init_new = '"""Package."""\n\n__version__ = "1.1"\n'
    files = [
        pasted("pkg/__init__.py", init_old, init_new),
        pasted("pkg/defaults.py", *module("RETRIES = 1\n", "RETRIES = 2\n")),
    ]
    result = order_files(files)
    assert all(item.group != result[0].group or item.path == result[0].path
               for item in result[1:]), "no convention edge ties them"


def test_a_version_module_comes_before_its_package_init():
    """`_version.py` is read before the __init__ that imports it, even when __init__ defines
    functions of its own."""
    init_old, init_new = module("def check():\n    return 1\n", "def check():\n    return 2\n")
    files = [
        pasted("pkg/__init__.py", init_old, init_new),
        pasted("pkg/_version.py", '__version__ = "1.0"\n', '__version__ = "1.1"\n'),
    ]
    assert paths(order_files(files)) == ["pkg/_version.py", "pkg/__init__.py"]


def test_a_test_helper_module_comes_before_the_tests_in_its_folder():
    """tests/strategies.py serves tests/test_a.py and tests/unit/test_b.py."""
    files = [
        edited("tests/test_a.py", "test_a"),
        edited("tests/unit/test_b.py", "test_b"),
        edited("tests/strategies.py", "simple"),
    ]
    result = order_files(files)
    assert paths(result)[0] == "tests/strategies.py"
    assert result[[i.path for i in result].index("tests/strategies.py")].reason.startswith(
        "test helpers; probably imported by")


def test_conventions_do_not_apply_when_the_whole_text_is_known():
    """A git range shows every import: __init__ with no import of zeta.py is not tied to it."""
    init = FILLER + "from .core import Engine\n"
    files = [
        make_file("pkg/__init__.py", init, init + "from .core import Motor\n"),
        make_file("pkg/zeta.py", *module("def spin():\n    return 1\n",
                                         "def spin():\n    return 2\n")),
    ]
    groups = {item.path: item.group for item in order_files(files)}
    assert groups["pkg/__init__.py"] != groups["pkg/zeta.py"]


def test_every_test_comes_after_all_the_code():
    """A test tied to one group's code still follows the code of every other group."""
    files = [
        edited("alpha/parse.py", "parse_line"),
        edited("tests/test_parse.py", "test_parse_line"),
        edited("beta/render.py", "render_page", "return 22"),
    ]
    order = paths(order_files(files))
    assert order[-1] == "tests/test_parse.py"


def test_entry_points_come_after_unlinked_library_modules():
    """cli.py assembles the rest: among files with no visible link it is read last, even when
    its change is the biggest."""
    files = [
        edited("tool/cli.py", "main", "x = 1\n    y = 2\n    return x + y"),
        edited("tool/store.py", "save"),
    ]
    assert paths(order_files(files)) == ["tool/store.py", "tool/cli.py"]


def test_path_conventions_by_name():
    """Foundation, entry-point and private modules as their names and folders mark them."""
    assert is_foundation("pkg/_compat.py") and is_foundation("pkg/__version__.py")
    assert not is_foundation("pkg/models.py")
    assert [foundation_rank(p) for p in ("a/__version__.py", "a/utils.py", "a/models.py")] == [
        2, 1, 0]
    assert is_entry_point("pkg/__main__.py") and is_entry_point("piptools/scripts/compile.py")
    assert not is_entry_point("pkg/routing.py")
    assert is_private("click/_termui_impl.py") and not is_private("pkg/__init__.py")


def test_an_init_that_changes_a_function_still_comes_after_the_modules_beside_it():
    """Only package metadata (`__version__`) makes an __init__ a definer its modules import
    from; an edited `check_compatibility` does not."""
    files = [
        edited("pkg/__init__.py", "check_compatibility"),
        edited("pkg/sessions.py", "session_factory"),
    ]
    assert paths(order_files(files)) == ["pkg/sessions.py", "pkg/__init__.py"]


def test_the_version_module_comes_before_other_foundations():
    """`__version__.py` imports nothing and `utils.py` may report the version: version first,
    though the utils change is bigger."""
    files = [
        edited("pkg/utils.py", "user_agent", "x = 1\n    y = 2\n    return x + y"),
        pasted("pkg/__version__.py", '__version__ = "1.0"\n', '__version__ = "1.1"\n'),
    ]
    assert paths(order_files(files)) == ["pkg/__version__.py", "pkg/utils.py"]


def test_a_subpackage_module_comes_after_the_modules_of_the_package_above():
    """fastapi/openapi/utils.py builds on fastapi/routing.py: with no visible link, the parent
    package's module is read first, even when the subpackage's change is bigger."""
    files = [
        edited("pkg/openapi/schema.py", "build_schema", "x = 1\n    y = 2\n    return x + y"),
        edited("pkg/routing.py", "add_route"),
    ]
    result = order_files(files)
    assert paths(result) == ["pkg/routing.py", "pkg/openapi/schema.py"]
    assert result[1].reason == "probably imports `pkg/routing.py` above"


def test_a_package_init_is_not_what_its_subpackages_build_on():
    """A package's __init__ gathers its subpackages; it gets no edge into them."""
    files = [
        edited("pkg/openapi/schema.py", "build_schema"),
        edited("pkg/__init__.py", "check_compatibility"),
    ]
    groups = {item.path: item.group for item in order_files(files)}
    assert groups["pkg/__init__.py"] != groups["pkg/openapi/schema.py"]


def test_example_code_comes_after_the_package_it_uses():
    """docs_src/tutorial001.py, examples/ and demos/ use the package as its users do: read
    last among unlinked code, whatever the size of their change."""
    files = [
        edited("docs_src/custom_docs/tutorial001.py", "main_page",
               "x = 1\n    y = 2\n    return x + y"),
        edited("pkg/openapi.py", "get_swagger_html"),
    ]
    assert paths(order_files(files)) == ["pkg/openapi.py", "docs_src/custom_docs/tutorial001.py"]
    assert is_entry_point("examples/flask_example.py")
    assert is_entry_point("demos/demo_sftp.py")


def test_a_module_named_after_its_package_comes_after_its_unlinked_siblings():
    """arrow/arrow.py is the package's main face and builds on formatter.py beside it."""
    files = [
        edited("arrow/arrow.py", "span", "x = 1\n    y = 2\n    return x + y"),
        edited("arrow/formatter.py", "format_token"),
    ]
    assert paths(order_files(files)) == ["arrow/formatter.py", "arrow/arrow.py"]
    assert not is_entry_point("arrow/formatter.py")
