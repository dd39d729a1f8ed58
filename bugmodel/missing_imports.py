"""The import statement that would bind an undefined name, when the name says which one.

A name nothing in the file binds is most often a forgotten import, and for the standard
library the name itself says which: `traceback.format_exc()` reads the module `traceback`,
`reduce(...)` the function Python 3 moved to `functools`. The statement is offered as the
finding's fix (`Finding.added_import`), so it is suggested only when the file's own use of the
name fits what the import binds: a module must be read as `name.attribute`, and every
attribute the file reads off the name must exist on what `from module import name` binds.
Names a project defines itself are looked up in its repository during a review
(`reviewapp.findings.repository_names`).
"""

from __future__ import annotations

import ast
import importlib
import sys

#: Names of the standard library offered as `from module import name`: the ones code reads
#: bare and people forget to import. Generic words (`count`, `replace`, `run`, `e`) are left
#: out on purpose: undefined, they are far likelier a variable the code forgot to assign.
FROM_IMPORTS = {
    "typing": ("Any", "Callable", "ClassVar", "Dict", "Final", "FrozenSet", "Generator",
               "Generic", "Iterable", "Iterator", "List", "Literal", "Mapping",
               "MutableMapping", "NamedTuple", "NoReturn", "Optional", "Protocol", "Sequence",
               "Set", "Tuple", "Type", "TypeVar", "TypedDict", "Union", "cast", "overload",
               "TYPE_CHECKING"),
    "collections": ("Counter", "OrderedDict", "defaultdict", "deque", "namedtuple"),
    "functools": ("cached_property", "cmp_to_key", "lru_cache", "partial", "reduce",
                  "singledispatch", "total_ordering", "wraps"),
    "itertools": ("groupby", "islice", "zip_longest", "permutations",
                  "combinations", "starmap"),
    "dataclasses": ("dataclass", "asdict", "astuple"),
    "pathlib": ("Path", "PurePath", "PurePosixPath"),
    "contextlib": ("contextmanager", "closing", "nullcontext", "suppress", "ExitStack"),
    "datetime": ("datetime", "timedelta", "timezone"),
    "enum": ("Enum", "IntEnum", "IntFlag"),
    "abc": ("ABC", "ABCMeta", "abstractmethod"),
    "copy": ("deepcopy",),
    "io": ("BytesIO", "StringIO"),
    "warnings": ("warn",),
    "textwrap": ("dedent",),
    "operator": ("attrgetter", "itemgetter", "methodcaller"),
    "decimal": ("Decimal",),
    "fractions": ("Fraction",),
    "uuid": ("uuid4",),
    "subprocess": ("Popen", "PIPE", "check_call", "check_output", "CalledProcessError"),
    "urllib.parse": ("urlparse", "urlunparse", "urljoin", "urlencode", "parse_qs",
                     "parse_qsl", "urlsplit"),
    "xmlrpc.client": ("ServerProxy",),
    "tempfile": ("mkdtemp", "mkstemp", "NamedTemporaryFile", "TemporaryDirectory"),
    "threading": ("Thread",),
    "shutil": ("rmtree", "copyfile", "copytree"),
    "pprint": ("pformat",),
    "time": ("sleep",),
    "math": ("sqrt", "floor", "ceil", "isclose"),
}
#: Third-party modules read under a conventional short name.
CONVENTIONAL_ALIASES = {"np": "import numpy as np", "pd": "import pandas as pd",
                        "plt": "import matplotlib.pyplot as plt"}
#: Standard modules never suggested: importing them does something (a poem, a browser).
SIDE_EFFECT_MODULES = frozenset({"this", "antigravity"})


def attribute_reads(tree: ast.AST) -> dict[str, set[str]]:
    """For each plain name, the attributes the code reads off it (`os.path` → {"os": {"path"}})."""
    reads: dict[str, set[str]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            reads.setdefault(node.value.id, set()).add(node.attr)
    return reads


def import_for(name: str, attributes: set[str]) -> str:
    """The statement that binds `name` as the code uses it (`attributes`: what it reads off
    the name), or "" when the name does not say which."""
    if name in CONVENTIONAL_ALIASES:
        return CONVENTIONAL_ALIASES[name]
    # A module is read through its attributes; `datetime.now()` reads the class instead.
    if attributes and _is_standard_module(name) and _has_all(name, "", attributes):
        return f"import {name}"
    module = next((m for m, names in FROM_IMPORTS.items() if name in names), None)
    if module is None or not _has_all(module, name, attributes):
        return ""  # Python 2's `StringIO.StringIO` is no `io.StringIO`
    return f"from {module} import {name}"


def _has_all(module: str, name: str, attributes: set[str]) -> bool:
    """Whether the module (or its `name`) has every attribute; a module outside
    `FROM_IMPORTS`, which might do something when imported, is taken at the code's word."""
    if module not in FROM_IMPORTS:
        return True
    value = importlib.import_module(module)
    if name:
        value = getattr(value, name)
    return all(hasattr(value, attribute) for attribute in attributes)


def _is_standard_module(name: str) -> bool:
    return (name in sys.stdlib_module_names and not name.startswith("_")
            and name not in SIDE_EFFECT_MODULES)

