"""guesses: edges from names for files whose imports a pasted diff does not show."""

from __future__ import annotations

from reviewapp.ordering.graph import strongly_connected_components
from reviewapp.ordering.guesses import add_name_guesses, module_name
from reviewapp.ordering.symbols import FileSymbols


def keys_for(paths: dict[int, str]) -> dict[int, tuple]:
    return {node: (path,) for node, path in paths.items()}


def test_distinctive_names_link_but_generic_or_ambiguous_ones_do_not():
    """`compute_tax` links; `run` is too common; a name changed in 3 files is ambiguous."""
    paths = {0: "a/tax.py", 1: "a/user.py", 2: "b/x.py", 3: "c/y.py"}
    symbols = {
        0: FileSymbols(changes=frozenset({"compute_tax", "run", "shared_name"}), whole_file=True),
        1: FileSymbols(uses=frozenset({"compute_tax", "run", "shared_name"})),
        2: FileSymbols(changes=frozenset({"shared_name"}), whole_file=True),
        3: FileSymbols(changes=frozenset({"shared_name"}), whole_file=True),
    }
    edges: dict = {}
    add_name_guesses([0, 1, 2, 3], paths, symbols, edges, keys_for(paths))
    assert edges == {0: {1: frozenset({"compute_tax"})}}


def test_guesses_stay_within_one_language():
    """A Go file mentioning a Python function's name is not linked to it."""
    paths = {0: "a/tax.py", 1: "cmd/main.go"}
    symbols = {0: FileSymbols(changes=frozenset({"compute_tax"})),
               1: FileSymbols(uses=frozenset({"compute_tax"}))}
    edges: dict = {}
    add_name_guesses([0, 1], paths, symbols, edges, keys_for(paths))
    assert edges == {}


def test_attribute_on_a_module_name_links_to_that_module():
    """`store.Open(...)` in a Go hunk links internal/store/*.go; `parser.parse_hunk` a parser.py."""
    paths = {0: "internal/store/db.go", 1: "cmd/app/main.go", 2: "pkg/parser.py", 3: "pkg/cli.py"}
    symbols = {
        0: FileSymbols(whole_file=True),
        1: FileSymbols(chains=frozenset({"store.Open"})),
        2: FileSymbols(whole_file=True),
        3: FileSymbols(chains=frozenset({"parser.parse_hunk", "self.value"})),
    }
    edges: dict = {}
    add_name_guesses([0, 1, 2, 3], paths, symbols, edges, keys_for(paths))
    assert edges == {0: {1: frozenset({"Open"})}, 2: {3: frozenset({"parse_hunk"})}}


def test_module_name_is_the_package_for_go_and_init_files():
    """Go files and __init__.py are reached by their directory's name."""
    assert [module_name(p) for p in ("a/store/db.go", "pkg/sub/__init__.py", "web/api.ts")] == [
        "store", "sub", "api"
    ]


def test_guesses_never_close_a_cycle():
    """With an import 1→0 known, a name guess 0→1 is dropped; guesses among fragments too."""
    paths = {0: "a.py", 1: "b.py", 2: "c.py"}
    symbols = {
        0: FileSymbols(defines=frozenset({"alpha_fn"}), uses=frozenset({"beta_fn"})),
        1: FileSymbols(defines=frozenset({"beta_fn"}), uses=frozenset({"alpha_fn", "gamma_fn"})),
        2: FileSymbols(defines=frozenset({"gamma_fn"}), uses=frozenset({"alpha_fn"})),
    }
    edges: dict = {1: {0: frozenset({"beta_fn"})}}
    add_name_guesses([0, 1, 2], paths, symbols, edges, keys_for(paths))
    assert 1 not in edges.get(0, {})
    assert all(len(c) == 1 for c in strongly_connected_components([0, 1, 2], edges))


def test_a_re_exported_name_points_to_its_module_not_the_package_init():
    """`Engine` is defined in core.py and re-exported by __init__.py: its user is tied to core."""
    paths = {0: "pkg/__init__.py", 1: "pkg/core.py", 2: "pkg/user.py"}
    symbols = {
        0: FileSymbols(defines=frozenset({"Engine"}), reexports=frozenset({"Engine"})),
        1: FileSymbols(changes=frozenset({"Engine"})),
        2: FileSymbols(uses=frozenset({"Engine"})),
    }
    edges: dict = {}
    added = add_name_guesses([0, 1, 2], paths, symbols, edges, keys_for(paths))
    assert edges == {1: {2: frozenset({"Engine"})}} and added == {(1, 2)}


def test_a_file_naming_its_own_module_uses_nothing_by_it():
    """factory.py mentions `factory` (its docstring says `arrow.factory`): api.py's function
    `factory` is not what it uses; nor is `requests.sessions` in sessions.py a package name."""
    paths = {0: "arrow/api.py", 1: "arrow/factory.py", 2: "requests/__init__.py",
             3: "requests/sessions.py"}
    symbols = {
        0: FileSymbols(defines=frozenset({"factory"})),
        1: FileSymbols(uses=frozenset({"factory", "arrow"})),
        2: FileSymbols(defines=frozenset({"sessions"})),
        3: FileSymbols(chains=frozenset({"requests.sessions"})),
    }
    edges: dict = {}
    add_name_guesses([0, 1, 2, 3], paths, symbols, edges, keys_for(paths))
    assert edges == {}


def test_a_module_naming_its_own_package_does_not_import_the_package_init():
    """`requests.session()` in requests/sessions.py is an example for users: the package's
    __init__ gathers its modules, not the other way round. Outside the package, or for
    package metadata (`requests.__version__`), the chain still links."""
    paths = {0: "requests/__init__.py", 1: "requests/sessions.py", 2: "app/client.py",
             3: "requests/adapters.py"}
    symbols = {
        0: FileSymbols(whole_file=True),
        1: FileSymbols(chains=frozenset({"requests.session"})),
        2: FileSymbols(chains=frozenset({"requests.session"})),
        3: FileSymbols(chains=frozenset({"requests.__version__"})),
    }
    edges: dict = {}
    add_name_guesses([0, 1, 2, 3], paths, symbols, edges, keys_for(paths))
    assert edges == {0: {2: frozenset({"session"}), 3: frozenset({"__version__"})}}


def test_a_module_named_like_a_common_word_links_through_what_it_defines():
    """`types.OptionHelpExtra` reaches click/types.py (it defines that name); `types.Any`
    (the standard library's) does not."""
    paths = {0: "src/click/types.py", 1: "src/click/core.py", 2: "src/click/other.py"}
    symbols = {0: FileSymbols(defines=frozenset({"OptionHelpExtra"}), whole_file=True),
               1: FileSymbols(chains=frozenset({"types.OptionHelpExtra"})),
               2: FileSymbols(chains=frozenset({"types.Any"}))}
    edges: dict = {}
    add_name_guesses([0, 1, 2], paths, symbols, edges, keys_for(paths))
    assert edges == {0: {1: frozenset({"OptionHelpExtra"})}}


def test_a_type_stub_is_never_guessed_to_be_used_by_a_module():
    """setters.pyi declares `pipe`; _make.py mentioning `pipe` uses setters.py's, not the stub."""
    paths = {0: "src/attr/setters.pyi", 1: "src/attr/_make.py", 2: "src/attr/__init__.pyi"}
    symbols = {0: FileSymbols(defines=frozenset({"pipe_setters"}), whole_file=True),
               1: FileSymbols(uses=frozenset({"pipe_setters"})),
               2: FileSymbols(uses=frozenset({"pipe_setters"}))}
    edges: dict = {}
    add_name_guesses([0, 1, 2], paths, symbols, edges, keys_for(paths))
    assert edges == {0: {2: frozenset({"pipe_setters"})}}
