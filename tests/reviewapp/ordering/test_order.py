"""order_files: the review order of whole multi-file changes, and the reasons shown with it."""

from __future__ import annotations

import random
import textwrap

import pytest

from reviewapp.ingest.parsed import ParsedFile, ParsedHunk, ParsedLine
from reviewapp.ordering import OrderedFile, order_files

from .conftest import make_file


def src(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def paths(result: list[OrderedFile]) -> list[str]:
    return [item.path for item in result]


def by_path(result: list[OrderedFile]) -> dict[str, OrderedFile]:
    return {item.path: item for item in result}


# A realistic change: a new keyword in a parser, used by a service and a CLI, with tests.
PARSER_OLD = src('''
    """Diff parsing."""


    def parse_hunk(text):
        return text.splitlines()


    def count_lines(text):
        return len(text.splitlines())
''')
PARSER_NEW = src('''
    """Diff parsing."""


    def parse_hunk(text, strict=False):
        lines = text.splitlines()
        if strict and not lines:
            raise ValueError("empty hunk")
        return lines


    def count_lines(text):
        return len(text.splitlines())
''')
SERVICE_OLD = src('''
    from pkg.parser import parse_hunk


    def review(text):
        return parse_hunk(text)
''')
SERVICE_NEW = src('''
    from pkg.parser import parse_hunk


    def review(text):
        return parse_hunk(text, strict=True)
''')
CLI_OLD = src('''
    from . import parser
    from .service import review


    def main(argv):
        print(review(argv[0]))
''')
CLI_NEW = src('''
    from . import parser
    from .service import review


    def main(argv):
        print(review(argv[0]))
        print(parser.parse_hunk(argv[1], strict=True))
''')
TEST_OLD = src('''
    from pkg.parser import parse_hunk


    def test_parse():
        assert parse_hunk("a") == ["a"]
''')
TEST_NEW = TEST_OLD + src('''


    def test_strict():
        with pytest.raises(ValueError):
            parse_hunk("", strict=True)
''')


def parser_change(with_content: bool = True) -> list[ParsedFile]:
    return [
        make_file("tests/test_parser.py", TEST_OLD, TEST_NEW, with_content=with_content),
        make_file("README.md", "# Tool\n", "# Tool\n\nStrict mode.\n"),
        make_file("pkg/cli.py", CLI_OLD, CLI_NEW, with_content=with_content),
        make_file("poetry.lock", "a = 1\n", "a = 2\n"),
        make_file("pkg/service.py", SERVICE_OLD, SERVICE_NEW, with_content=with_content),
        make_file("pyproject.toml", "[x]\n", "[x]\ny = 1\n"),
        make_file("pkg/parser.py", PARSER_OLD, PARSER_NEW, with_content=with_content),
    ]


def test_definitions_come_before_their_uses():
    """parser.py (defines parse_hunk) precedes service.py, which precedes cli.py (uses both)."""
    order = paths(order_files(parser_change()))
    assert order.index("pkg/parser.py") < order.index("pkg/service.py") < order.index("pkg/cli.py")


def test_reason_names_the_definition_and_counts_its_users():
    """The first file says what it changes and how many files below use it."""
    result = order_files(parser_change())
    assert result[0].path == "pkg/parser.py"
    assert result[0].reason == "changes `parse_hunk`, used by 3 files below"
    assert by_path(result)["pkg/cli.py"].reason.startswith("uses `parse_hunk` and `review` from")


def test_each_result_points_back_to_its_input_position():
    """`index` is the position in the input list, `order` the rank, both complete."""
    files = parser_change()
    result = order_files(files)
    assert [item.order for item in result] == list(range(len(files)))
    assert sorted(item.index for item in result) == list(range(len(files)))
    for item in result:
        assert files[item.index].path == item.path


def test_tests_follow_the_code_they_test_and_noise_comes_last():
    """Test after parser.py; docs, config and lockfile at the end in that order."""
    result = order_files(parser_change())
    order = paths(result)
    assert order.index("tests/test_parser.py") > order.index("pkg/parser.py")
    assert order[-3:] == ["README.md", "pyproject.toml", "poetry.lock"]
    assert [item.role for item in result[-3:]] == ["docs", "config", "lockfile"]
    assert by_path(result)["tests/test_parser.py"].reason == "test for `pkg/parser.py`"
    assert by_path(result)["poetry.lock"].reason == "lockfile"


def test_related_files_share_a_group_and_unrelated_ones_do_not():
    """The parser change is one group; an unrelated module is another; noise gets its own."""
    files = parser_change() + [make_file("other/tool.py", "X = 1\n", "X = 2\n")]
    groups = {item.path: item.group for item in order_files(files)}
    related = {"pkg/parser.py", "pkg/service.py", "pkg/cli.py", "tests/test_parser.py"}
    assert len({groups[p] for p in related}) == 1
    assert groups["other/tool.py"] not in {groups[p] for p in related}
    assert groups["README.md"] != groups["pkg/parser.py"]


def test_shuffled_input_gives_the_same_order():
    """Determinism: every permutation of the input yields the same paths, reasons and groups."""
    files = parser_change() + [make_file("other/tool.py", "X = 1\n", "X = 2\n")]
    expected = [(i.path, i.reason, i.group, i.risk) for i in order_files(files)]
    rng = random.Random(7)
    for _ in range(20):
        shuffled = files[:]
        rng.shuffle(shuffled)
        assert [(i.path, i.reason, i.group, i.risk) for i in order_files(shuffled)] == expected


def test_pasted_diff_without_file_contents_still_orders_definitions_first():
    """Without full texts, the hunks' own lines (imports in context, changed defs) suffice."""
    result = order_files(parser_change(with_content=False))
    order = paths(result)
    assert order.index("pkg/parser.py") < order.index("pkg/service.py")
    assert order.index("pkg/parser.py") < order.index("pkg/cli.py")
    assert order.index("tests/test_parser.py") > order.index("pkg/parser.py")
    assert "parse_hunk" in by_path(result)["pkg/parser.py"].reason


def test_names_shared_with_a_pasted_diff_link_files_whose_imports_are_not_shown():
    """A caller far below its import line is tied to the file changing the name it calls, and
    the reasons say the link is a guess."""
    defs_old = "def compute_total(items):\n    return sum(items)\n"
    defs_new = "def compute_total(items, tax=0):\n    return sum(items) * (1 + tax)\n"
    # Statements, not comments: git would name the import line above the hunk in its header.
    filler = "".join(f"LINE_{n} = {n}\n" for n in range(30))
    user_old = "from shop.money import compute_total\n" + filler + "x = compute_total([1])\n"
    user_new = "from shop.money import compute_total\n" + filler + "x = compute_total([1], 2)\n"
    files = [
        make_file("shop/a_user.py", user_old, user_new, with_content=False),
        make_file("shop/money.py", defs_old, defs_new, with_content=False),
    ]
    result = order_files(files)
    assert paths(result) == ["shop/money.py", "shop/a_user.py"]
    assert result[0].reason == "changes `compute_total`, probably used by `shop/a_user.py` below"
    assert result[1].reason == "probably uses `compute_total` from `shop/money.py` above"


def test_import_cycle_is_kept_together_with_definitions_first():
    """a.py and b.py import each other; c.py uses both: the cycle comes first, as one block."""
    a_old = "from pkg import b\n\n\ndef helper():\n    return 1\n"
    twice = "\n\ndef twice():\n    return b.wrap(helper())\n"
    a_new = a_old.replace("return 1", "return 2") + twice
    b_old = "from pkg.a import helper\n\n\ndef wrap(x):\n    return [x]\n"
    b_new = "from pkg.a import helper\n\n\ndef wrap(x):\n    return [x, helper()]\n"
    c_old = "from pkg.a import twice\nfrom pkg.b import wrap\n\nY = 0\n"
    c_new = "from pkg.a import twice\nfrom pkg.b import wrap\n\nY = wrap(twice())\n"
    files = [
        make_file("pkg/c.py", c_old, c_new),
        make_file("pkg/b.py", b_old, b_new),
        make_file("pkg/a.py", a_old, a_new),
    ]
    result = order_files(files)
    assert paths(result)[2] == "pkg/c.py"
    assert set(paths(result)[:2]) == {"pkg/a.py", "pkg/b.py"}
    assert [item.reason for item in result] == [
        "in a cycle with `pkg/b.py`; changes `helper` and `twice`, used by 2 files below",
        "in a cycle with `pkg/a.py`; changes `wrap`, used by `pkg/c.py` below",
        "uses `twice` and `wrap` from 2 files above",
    ]
    assert result[0].group == result[1].group == result[2].group


def test_within_a_cycle_the_file_that_others_take_more_from_goes_first():
    """core.py gives three names to ext.py and takes one back: core first."""
    core = "from pkg.ext import plug\n\nALPHA = 1\nBETA = 2\n\n\ndef gamma():\n    return plug\n"
    ext = (
        "from pkg.core import ALPHA, BETA, gamma\n\n\n"
        "def plug():\n    return ALPHA + BETA + gamma()\n"
    )
    files = [make_file("pkg/ext.py", None, ext), make_file("pkg/core.py", None, core)]
    assert paths(order_files(files)) == ["pkg/core.py", "pkg/ext.py"]


def test_riskier_independent_group_comes_first():
    """Of two unrelated changes, the bigger one with new branches is shown first."""
    small = make_file("a/small.py", "X = 1\n", "X = 2\n")
    body_old = "def f(x):\n    return x\n"
    body_new = "def f(x):\n" + "".join(
        f"    if x == {n}:\n        return {n} * 2\n" for n in range(10)
    ) + "    return x\n"
    big = make_file("z/big.py", body_old, body_new)
    result = order_files([small, big])
    assert paths(result) == ["z/big.py", "a/small.py"]
    assert result[0].risk > result[1].risk
    assert result[1].reason == "independent of the other changed files (+1 −1)"


def test_extra_risk_moves_a_file_with_findings_forward():
    """Raising a file's risk through extra_risk puts its group before a bigger change."""
    small = make_file("a/small.py", "X = 1\n", "X = 2\n")
    big = make_file("z/big.py", "A = 1\n", "A = 1\nB = 2\nC = 3\nD = 4\n")
    plain = order_files([small, big])
    assert paths(plain)[0] == "z/big.py"
    boosted = order_files([small, big], extra_risk={"a/small.py": 10.0})
    assert paths(boosted)[0] == "a/small.py"
    assert boosted[0].risk == pytest.approx(by_path(plain)["a/small.py"].risk + 10.0)


def test_unrelated_test_comes_after_all_code_but_before_docs():
    """A test whose code is not in the change cannot follow it; it still precedes the docs."""
    files = [
        make_file("docs/guide.md", "a\n", "b\n"),
        make_file("tests/test_misc.py", "def test_a():\n    pass\n", "def test_a():\n    a = 1\n"),
        make_file("lib/tool.py", "X = 1\n", "X = 2\n"),
    ]
    result = order_files(files)
    assert paths(result) == ["lib/tool.py", "tests/test_misc.py", "docs/guide.md"]
    assert result[1].reason == "test; the code it tests is not part of this change"


def test_generated_and_vendored_files_come_last_with_their_reasons():
    """A `Code generated ... DO NOT EDIT` file and a vendor/ file trail the docs and config."""
    generated = "// Code generated by protoc-gen-go. DO NOT EDIT.\npackage api\n"
    files = [
        make_file("vendor/lib/x.go", "package lib\n", "package lib\n\nvar X = 1\n"),
        make_file("api/types.go", None, generated),
        make_file("Makefile", "all:\n", "all: build\n"),
        make_file("cmd/main.go", "package main\n", "package main\n\nfunc main() {}\n"),
    ]
    result = order_files(files)
    assert paths(result) == ["cmd/main.go", "Makefile", "api/types.go", "vendor/lib/x.go"]
    reasons = by_path(result)
    assert reasons["api/types.go"].reason.startswith("generated file (marked `Code generated")
    assert reasons["vendor/lib/x.go"].reason == "vendored third-party code"


def test_syntax_errors_do_not_stop_the_ordering():
    """A file that does not parse is read by regexes; its imports still count."""
    broken = "from pkg.parser import parse_hunk\n\ndef broken(:\n    return parse_hunk(\n"
    files = [
        make_file("pkg/user.py", "X = 1\n", broken),
        make_file("pkg/parser.py", PARSER_OLD, PARSER_NEW),
    ]
    assert paths(order_files(files)) == ["pkg/parser.py", "pkg/user.py"]


def test_binary_and_empty_files_are_handled():
    """Binary files and files without hunks get a place and a reason, without errors."""
    image = ParsedFile(path="docs/logo.png", old_path="docs/logo.png", status="modified",
                       is_binary=True)
    font = ParsedFile(path="static/font.woff2", old_path="static/font.woff2", status="added",
                      is_binary=True)
    mode_only = ParsedFile(path="run.sh", old_path="run.sh", status="modified",
                           old_mode="100644", new_mode="100755")
    result = order_files([image, font, mode_only])
    assert paths(result) == ["run.sh", "docs/logo.png", "static/font.woff2"]
    assert [item.reason for item in result[1:]] == ["documentation", "binary file"]


def test_empty_input_gives_empty_order():
    """No files, no order."""
    assert order_files([]) == []


def test_deleted_module_comes_before_the_files_that_stop_using_it():
    """Deleting `legacy.py` and its import from `app.py`: the deletion explains the edit."""
    legacy = "def old_api():\n    return 1\n"
    app_old = "from pkg.legacy import old_api\n\n\ndef run():\n    return old_api()\n"
    app_new = "def run():\n    return 1\n"
    files = [make_file("pkg/app.py", app_old, app_new), make_file("pkg/legacy.py", legacy, None)]
    result = order_files(files)
    assert paths(result) == ["pkg/legacy.py", "pkg/app.py"]
    assert result[0].reason == "removes `old_api`, used by `pkg/app.py` below"


def test_renamed_module_is_found_under_its_new_and_old_name():
    """Importers of the new path follow the renamed file."""
    body = "def tokenize(s):\n    return s.split()\n"
    renamed = make_file("pkg/lexer.py", body, body + "\n\nSEP = ' '\n", old_path="pkg/tokens.py")
    user_old = "from pkg.tokens import tokenize\n\nT = tokenize('a b')\n"
    user_new = "from pkg.lexer import tokenize\n\nT = tokenize('a b')\n"
    files = [make_file("pkg/use.py", user_old, user_new), renamed]
    assert paths(order_files(files)) == ["pkg/lexer.py", "pkg/use.py"]


def test_hunks_with_missing_line_numbers_do_not_crash():
    """Odd input (a hunk line with no numbers at all) is tolerated."""
    hunk = ParsedHunk(1, 1, 1, 1, "", [ParsedLine("+", "import os", None, None),
                                      ParsedLine("-", "import sys", None, None)])
    odd = ParsedFile(path="x.py", old_path="x.py", status="modified", hunks=[hunk],
                     old_content="import sys\n", new_content="import os\n")
    assert paths(order_files([odd])) == ["x.py"]


def test_conftest_fixtures_come_before_the_tests_that_use_them():
    """pytest injects fixtures without imports; a test naming a fixture follows its conftest."""
    conftest = "import pytest\n\n\n@pytest.fixture\ndef shop_client():\n    return object()\n"
    test = "def test_checkout(shop_client):\n    assert shop_client\n"
    unrelated = "def test_other():\n    assert True\n"
    files = [
        make_file("tests/api/test_checkout.py", None, test),
        make_file("tests/conftest.py", None, conftest),
        make_file("tests/api/test_other.py", None, unrelated),
    ]
    result = order_files(files)
    assert paths(result)[:2] == ["tests/conftest.py", "tests/api/test_checkout.py"]
    assert result[0].reason == (
        "pytest fixtures; defines `shop_client`, used by `tests/api/test_checkout.py` below"
    )
    assert result[0].group == result[1].group != result[2].group


def test_templates_follow_the_layout_they_extend():
    """`{% extends "base.html" %}` puts base.html first; `{% include %}` likewise."""
    base = "<html>{% block content %}{% endblock %}</html>\n"
    page = (
        '{% extends "base.html" %}\n'
        '{% block content %}{% include "parts/row.html" %}{% endblock %}\n'
    )
    row = "<tr></tr>\n"
    files = [
        make_file("templates/page.html", None, page),
        make_file("templates/parts/row.html", None, row),
        make_file("templates/base.html", None, base),
    ]
    order = paths(order_files(files))
    assert order[-1] == "templates/page.html"


def test_reasons_are_short_sentences_without_internal_values():
    """Every reason is non-empty, one line, at most ~160 characters, and shows no reprs."""
    files = parser_change() + parser_change(with_content=False)[:1] + [
        make_file("vendor/x/y.js", "a\n", "b\n"),
        make_file("api/gen.go", None, "// Code generated by x. DO NOT EDIT.\npackage api\n"),
    ]
    files[-3].path = "tests/test_parser_again.py"
    for item in order_files(files):
        assert item.reason and "\n" not in item.reason
        assert len(item.reason) <= 160, item.reason
        for internal in ("frozenset", "{", "None", "[", "ParsedFile"):
            assert internal not in item.reason, item.reason


def test_public_api_is_pinned():
    """The package exports exactly the entry point, its result type and the role names."""
    import reviewapp.ordering as ordering

    assert sorted(ordering.__all__) == sorted([
        "ASSET", "CONFIG", "DOCS", "GENERATED", "LOCKFILE", "ROLES", "SOURCE", "TEST",
        "VENDORED", "OrderedFile", "order_files",
    ])
    assert [f for f in OrderedFile.__dataclass_fields__] == [
        "index", "path", "order", "reason", "role", "group", "risk"
    ]


def test_files_without_hunks_say_what_changed():
    """A pure rename, a mode change and an empty new file each get a plain reason."""
    renamed = ParsedFile(path="pkg/new.py", old_path="pkg/old.py", status="renamed",
                         similarity=100)
    mode = ParsedFile(path="bin/run", old_path="bin/run", status="modified",
                      old_mode="100644", new_mode="100755")
    empty = ParsedFile(path="pkg/__init__.py", old_path="pkg/__init__.py", status="added")
    reasons = {item.path: item.reason for item in order_files([renamed, mode, empty])}
    assert reasons == {
        "pkg/new.py": "renamed from `pkg/old.py`, content unchanged",
        "bin/run": "file mode change only (100644 → 100755)",
        "pkg/__init__.py": "empty file",
    }


def test_a_definition_is_followed_by_its_users_before_the_next_branch():
    """shared → a → a's user → b → b's user: users stay next to what they use (not a, b, ...)."""
    shared = "def base_value():\n    return 1\n"
    a = "from pkg.shared import base_value\n\n\ndef alpha_value():\n    return base_value() + 1\n"
    b = "from pkg.shared import base_value\n\n\ndef beta_value():\n    return base_value() + 2\n"
    a_user = "from pkg.a import alpha_value\n\nA = alpha_value()\n"
    b_user = "from pkg.b import beta_value\n\nB = beta_value()\n"
    bigger_a = a + "\n\ndef alpha_more(x):\n    if x:\n        return 1\n    return 2\n"
    files = [
        make_file("pkg/b_user.py", None, b_user),
        make_file("pkg/a_user.py", None, a_user),
        make_file("pkg/b.py", None, b),
        make_file("pkg/a.py", None, bigger_a),
        make_file("pkg/shared.py", None, shared),
    ]
    assert paths(order_files(files)) == [
        "pkg/shared.py", "pkg/a.py", "pkg/a_user.py", "pkg/b.py", "pkg/b_user.py"
    ]


def test_order_is_the_same_in_processes_with_different_hash_seeds(tmp_path):
    """No set or dict iteration order leaks into the result (PYTHONHASHSEED varies per run)."""
    import json
    import os
    import pickle
    import subprocess
    import sys

    files = parser_change(with_content=False) + parser_change()[2:5] + [
        make_file("shop/money.py", "def to_cents(a):\n    return a\n",
                  "def to_cents(a):\n    return a * 100\n"),
        make_file("shop/cart.py", None, "from shop.money import to_cents\n\nX = to_cents(1)\n"),
    ]
    files[-4].path = files[-4].old_path = "pkg/cli_copy.py"
    data = tmp_path / "files.pickle"
    data.write_bytes(pickle.dumps(files))
    script = (
        "import json, pickle, sys\n"
        "from reviewapp.ordering import order_files\n"
        "files = pickle.loads(open(sys.argv[1], 'rb').read())\n"
        "print(json.dumps([[o.path, o.reason, o.group, o.risk] for o in order_files(files)]))\n"
    )
    outputs = []
    for seed in ("1", "2", "3"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run([sys.executable, "-c", script, str(data)], env=env, check=True,
                              capture_output=True, text=True, cwd=os.getcwd())
        outputs.append(json.loads(done.stdout))
    assert outputs[0] == outputs[1] == outputs[2]


def test_gitattributes_from_the_repository_mark_files_generated():
    """Rules passed by the caller (read from the repository) apply like those in the diff."""
    files = [
        make_file("gen/client.py", "A = 1\n", "A = 2\n"),
        make_file("app/main.py", "B = 1\n", "B = 2\n"),
        make_file("README.md", "a\n", "b\n"),
    ]
    result = order_files(files, gitattributes={".gitattributes": "gen/** linguist-generated\n"})
    assert [item.path for item in result] == ["app/main.py", "README.md", "gen/client.py"]
    assert result[-1].reason == "generated file (per .gitattributes)"
    assert [item.path for item in order_files(files)][0] != "README.md"


def test_foundation_modules_come_first_when_the_diff_shows_no_link():
    """A pasted diff hides the imports: `_compat.py` (small change) precedes a bigger, unlinked
    `api.py`, as packages build on their compatibility and error modules."""
    api_old = "".join(f"def call{i}(x):\n    return x + {i}\n\n\n" for i in range(10))
    api_new = api_old.replace("+ ", "- ")
    files = [
        make_file("pkg/api.py", api_old, api_new, with_content=False),
        make_file("pkg/_compat.py", "PY2 = False\n", "PY2 = True\n", with_content=False),
    ]
    assert [o.path for o in sorted(order_files(files), key=lambda o: o.order)] == [
        "pkg/_compat.py", "pkg/api.py"]


def test_inside_a_cycle_the_file_whose_changed_names_are_used_comes_first():
    """z.py changes `compute`, which a.py uses; z.py only takes a.py's unchanged `helper`: in
    their import cycle z.py is read first, whatever the paths say."""
    a_old = ("from pkg.z import compute\n\n\ndef helper():\n    return 1\n\n\n"
             "def report():\n    return compute(1)\n")
    a_new = a_old.replace("compute(1)", "compute(2)")
    z_old = ("from pkg.a import helper\n\n\ndef compute(x):\n    return x + helper()\n")
    z_new = z_old.replace("x + helper()", "x * helper()")
    result = order_files([make_file("pkg/a.py", a_old, a_new), make_file("pkg/z.py", z_old, z_new)])
    assert paths(result) == ["pkg/z.py", "pkg/a.py"]
    assert result[0].reason.startswith("in a cycle with `pkg/a.py`")
