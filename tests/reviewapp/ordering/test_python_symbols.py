"""python_symbols: definitions, changes, imports (absolute/from/relative), module attributes."""

from __future__ import annotations

import textwrap

from reviewapp.ordering.python_symbols import (
    OutlineCache,
    RawImport,
    analyze_python,
    outline,
    regex_imports,
)
from reviewapp.ordering.symbols import ImportCandidate

from .conftest import make_file


def src(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


MODULE = src('''
    import os
    import pkg.tools as tools
    import pkg.sub.deep
    from . import sibling
    from ..base import Base, helper as h
    from pkg.models import *

    try:
        import ujson as json
    except ImportError:
        import json

    LIMIT: int = 3
    A, B = 1, 2


    @decorate
    def first(x):
        return tools.clean(x) + pkg.sub.deep.walk(x) + sibling.near()


    class Second(Base):
        def method(self):
            from pkg.lazy import later
            return later(h(LIMIT))
''')


def test_outline_lists_top_level_definitions_with_spans():
    """Functions, classes and assigned names; a decorator belongs to its function's span."""
    found = outline(MODULE)
    assert found.parsed
    assert found.names == {"LIMIT", "A", "B", "first", "Second"}
    start = MODULE.splitlines().index("@decorate") + 1
    assert found.name_at(start) == "first"
    assert found.name_at(start + 2) == "first"
    assert found.name_at(1) is None


def test_outline_reads_imports_of_every_kind_including_lazy_ones():
    """Plain, aliased, dotted, relative, starred, try/except and function-level imports."""
    imports = set(outline(MODULE).imports)
    assert RawImport(0, "pkg.tools", alias="tools") in imports
    assert RawImport(0, "pkg.sub.deep") in imports
    assert RawImport(1, "", (("sibling", "sibling"),)) in imports
    assert RawImport(2, "base", (("Base", "Base"), ("helper", "h"))) in imports
    assert RawImport(0, "pkg.models", (("*", "*"),)) in imports
    assert RawImport(0, "ujson", alias="json") in imports
    assert RawImport(0, "pkg.lazy", (("later", "later"),)) in imports


def candidates_of(symbols, path: str) -> set[frozenset[str]]:
    return {c.names for ref in symbols.imports for c in ref.candidates if c.path == path}


def test_relative_imports_resolve_against_the_file_directory():
    """`from ..base import Base` in pkg/sub/mod.py points at pkg/base.py (anchored)."""
    symbols = analyze_python(make_file("pkg/sub/mod.py", None, MODULE))
    anchored = {c.path for ref in symbols.imports for c in ref.candidates if c.anchored}
    assert "pkg/base.py" in anchored
    assert "pkg/sub/sibling.py" in anchored
    assert candidates_of(symbols, "pkg/base.py") == {frozenset({"Base"}), frozenset({"helper"})}


def test_attribute_access_on_an_imported_module_names_what_is_used():
    """`tools.clean(...)`, `pkg.sub.deep.walk(...)` and `sibling.near()` are uses of those names."""
    symbols = analyze_python(make_file("pkg/sub/mod.py", None, MODULE))
    assert frozenset({"clean"}) in candidates_of(symbols, "pkg/tools.py")
    assert frozenset({"walk"}) in candidates_of(symbols, "pkg/sub/deep.py")
    assert frozenset({"near"}) in candidates_of(symbols, "pkg/sub/sibling.py")


def test_relative_import_above_the_repository_root_is_ignored():
    """`from ... import x` in a top-level file has nowhere to point."""
    symbols = analyze_python(make_file("mod.py", None, "from ...far import x\n"))
    assert symbols.imports == ()


def test_changes_are_the_definitions_the_hunks_touch():
    """Editing one function body and adding a constant changes exactly those names."""
    old = src('''
        def keep():
            return 1


        def edit(x):
            return x
    ''')
    new = src('''
        def keep():
            return 1


        def edit(x):
            return x + 1


        NEW = 2
    ''')
    assert analyze_python(make_file("m.py", old, new)).changes == {"edit", "NEW"}
    assert analyze_python(make_file("m.py", old, new, with_content=False)).changes == {
        "edit", "NEW"
    }


def test_removed_definition_counts_as_changed():
    """A function deleted from a file is part of what the diff changes."""
    old = "def gone():\n    pass\n\n\ndef stay():\n    pass\n"
    new = "def stay():\n    pass\n"
    assert analyze_python(make_file("m.py", old, new)).changes == {"gone"}
    assert analyze_python(make_file("m.py", old, new, with_content=False)).changes == {"gone"}


def test_hunk_header_names_the_enclosing_definition_in_a_pasted_diff():
    """A change deep inside a long function is attributed to the def in the @@ header."""
    body = "".join(f"    x{n} = {n}\n" for n in range(30))
    old = "def long_function():\n" + body + "    return x0\n"
    new = "def long_function():\n" + body + "    return x1\n"
    file = make_file("m.py", old, new, with_content=False)
    assert file.hunks[0].section_header == "def long_function():"
    assert analyze_python(file).changes == {"long_function"}


def test_syntax_error_falls_back_to_regexes():
    """A broken file still yields its column-0 definitions and its imports."""
    broken = "from pkg.a import thing\nimport pkg.b as b\n\ndef ok():\n    pass\n\ndef bad(:\n"
    found = outline(broken)
    assert not found.parsed
    assert found.names == {"ok", "bad"}
    assert RawImport(0, "pkg.a", (("thing", "thing"),)) in found.imports
    assert RawImport(0, "pkg.b", alias="b") in found.imports


def test_regex_imports_read_parenthesised_multiline_from_imports():
    """`from x import (a,\\n b as c,  # note\\n)` yields a and b bound as c."""
    text = "from pkg.x import (\n    alpha,\n    beta as gamma,  # note\n)\n"
    assert regex_imports(text) == (RawImport(0, "pkg.x", (("alpha", "alpha"), ("beta", "gamma"))),)


def test_imports_removed_by_the_diff_still_count():
    """Dropping `from pkg.old import f` still ties the file to pkg/old.py."""
    file = make_file("m.py", "from pkg.old import f\n\nY = f()\n", "Y = 1\n")
    paths = {c.path for ref in analyze_python(file).imports for c in ref.candidates}
    assert "pkg/old.py" in paths


def test_from_import_of_a_submodule_prefers_the_module_file():
    """`from pkg import util` tries pkg/util.py (with util's attributes) before pkg/__init__.py."""
    file = make_file("app.py", None, "from pkg import util\n\nutil.run()\n")
    (ref,) = analyze_python(file).imports
    assert ref.candidates[0] == ImportCandidate("pkg/util.py", frozenset({"run"}))
    assert ImportCandidate("pkg/__init__.py", frozenset({"util"})) in ref.candidates


def test_pathological_sources_fall_back_instead_of_raising():
    """NUL bytes and nesting too deep for the parser still give an outline."""
    for text in ("def f():\n    pass\n\0\n", "x = " + "-" * 100_000 + "1\ndef g():\n    pass\n"):
        found = outline(text)
        assert not found.parsed
        assert found.names >= {"f"} or found.names >= {"g"}


def test_outline_cache_returns_the_parsed_outline_again_and_stays_bounded():
    """A text seen before is not parsed again; the oldest entry goes past the size limit."""
    calls: list[str] = []

    def build(text: str):
        calls.append(text)
        return outline(text)

    cache = OutlineCache(build, size=2)
    first = cache("A = 1\n")
    assert cache("A = 1\n") is first
    cache("B = 1\n")
    cache("C = 1\n")
    cache("A = 1\n")
    assert calls == ["A = 1\n", "B = 1\n", "C = 1\n", "A = 1\n"]
    assert len(cache.entries) == 2


def test_package_init_defines_what_it_re_exports():
    """`from .order import order_files` in __init__.py makes `order_files` a package name."""
    old = '"""Pkg."""\n\nfrom .order import order_files\n'
    new = old + "from .roles import ROLES as ALL_ROLES\n"
    symbols = analyze_python(make_file("pkg/__init__.py", old, new))
    assert symbols.defines >= {"order_files", "ALL_ROLES"}
    assert symbols.changes == {"ALL_ROLES"}
    plain = analyze_python(make_file("pkg/mod.py", old, new))
    assert "order_files" not in plain.defines


def test_init_re_exports_only_what_comes_from_its_own_package():
    """`from typing import Any` in an __init__ hands on nothing of the package's; `from .core
    import Engine` and `from pkg.util import helper` do, and are marked as re-exports."""
    old = "from typing import Any\nfrom .core import Engine\n"
    new = old + "from pkg.util import helper\n"
    symbols = analyze_python(make_file("pkg/__init__.py", old, new))
    assert symbols.reexports == {"Engine", "helper"}
    assert "Any" not in symbols.defines and symbols.changes == {"helper"}


def test_import_module_paths_and_url_hosts_are_not_attribute_chains():
    """In a pasted diff's hunk, `from marshmallow.warnings import X` is an import and
    `requests.readthedocs.io` a host: only `schema.load` is an attribute access on a module."""
    text = ('from marshmallow.warnings import Warn\n'
            'URL = "https://requests.readthedocs.io"\n'
            'value = schema.load(data)\n')
    symbols = analyze_python(make_file("pkg/mod.py", "", text, with_content=False))
    assert "schema.load" in symbols.chains
    assert "marshmallow.warnings" not in symbols.chains
    assert not any(chain.startswith("requests.") for chain in symbols.chains)


def test_an_added_file_in_a_pasted_diff_is_parsed_whole():
    """Its one hunk is the whole file, so ast reads it: a `def` inside a string is no definition."""
    text = 'HELP = """\ndef fake():\n    pass\n"""\n\n\ndef real():\n    from pkg.lazy import x\n'
    symbols = analyze_python(make_file("pkg/new.py", None, text, with_content=False))
    assert symbols.defines == {"HELP", "real"}
    paths = {c.path for ref in symbols.imports for c in ref.candidates}
    assert "pkg/lazy.py" in paths


def test_a_pasted_hunk_header_definition_is_the_files_own():
    """`class OptionParser(object):` above a hunk (git's section header) is defined in this
    file, so a hunk mentioning `OptionParser` is no use of another file's definition."""
    body = "".join(f"    x{n} = {n}\n" for n in range(10))
    old = "class OptionParser(object):\n" + body + "    def add(self):\n        return 1\n"
    new = old.replace("return 1", "return OptionParser()")
    symbols = analyze_python(make_file("pkg/parser.py", old, new, with_content=False))
    assert "OptionParser" in symbols.defines


def test_an_import_line_shown_as_a_hunk_header_is_an_import():
    """When the nearest column-0 line above a hunk is `from pkg.models import Engine`, the
    pasted diff shows that import though no hunk line holds it."""
    comments = "".join(f"# note {n}\n" for n in range(6))
    old = "from pkg.models import Engine\n" + comments + "    # build\n    value = make(1)\n"
    new = old.replace("make(1)", "make(2)")
    file = make_file("pkg/app.py", old, new, with_content=False)
    assert file.hunks[0].section_header == "from pkg.models import Engine"
    symbols = analyze_python(file)
    candidates = {(c.path, c.names) for ref in symbols.imports for c in ref.candidates}
    assert ("pkg/models.py", frozenset({"Engine"})) in candidates


def test_plain_words_of_a_pasted_hunks_prose_are_no_uses():
    """"the argument" in a docstring is a word; `argument(...)` and `click.option` are code,
    `option` being click's attribute (reached through the chain, not a use of a changed
    file's `option`). Names of whole files are kept: only their imports are matched."""
    text = ('def parse(args):\n'
            '    """Split off each argument given, as in the docs."""\n'
            '    argument("name")\n'
            '    return click.option, normalize_value\n')
    fragment = analyze_python(make_file("pkg/parser.py", "", text, with_content=False))
    assert {"argument", "click", "normalize_value"} <= fragment.uses
    assert "option" not in fragment.uses and "click.option" in fragment.chains
    assert not {"given", "docs", "each"} & fragment.uses
    whole = analyze_python(make_file("pkg/parser.py", "", text))
    assert {"given", "docs"} <= whole.uses


def test_an_attribute_of_another_module_is_no_use_of_a_name():
    """`typing.Dict` in a pasted hunk does not use the `Dict` a changed fields.py defines;
    `Dict(...)` alone would."""
    text = "def set_value(dct: typing.Dict[str, typing.Any], key):\n    return key\n"
    fragment = analyze_python(make_file("pkg/utils.py", "", text, with_content=False))
    assert "Dict" not in fragment.uses and "typing" in fragment.uses
    bare = analyze_python(make_file("pkg/utils.py", "", "x = Dict(a=1)\n", with_content=False))
    assert "Dict" in bare.uses


def test_an_import_list_cut_by_the_hunk_still_imports_its_module():
    """`from .recipes import (` as a hunk's last context line: the names are unseen, the
    import is not."""
    old = "import os\nLIMIT = 1\nfrom .recipes import (\n    pairwise,\n    take,\n)\n"
    file = make_file("pkg/more.py", old, old.replace("LIMIT = 1", "LIMIT = 2"),
                     with_content=False, context=1)
    assert file.hunks[0].lines[-1].text == "from .recipes import ("
    symbols = analyze_python(file)
    paths = {c.path for ref in symbols.imports for c in ref.candidates}
    assert "pkg/recipes.py" in paths


def test_an_import_in_a_docstring_example_is_no_import():
    """`from marshmallow import validate` in an added class's docstring is an example for its
    users; the import above the class is real."""
    new = ('from pkg.types import Validator\n\n\nclass And(Validator):\n'
           '    """Compose validators.\n\n    Example: ::\n\n'
           '        from pkg import validate\n    """\n')
    symbols = analyze_python(make_file("pkg/validate.py", "", new, with_content=False))
    paths = {c.path for ref in symbols.imports for c in ref.candidates}
    assert "pkg/types.py" in paths
    assert not any(p.startswith("pkg/__init__") for p in paths)
