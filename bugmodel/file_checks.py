"""Defects a static reading of the whole file proves: what the learned models cannot see.

The learned detector reads one unit at a time and ranks likely spots; these checks read the
whole file and report code that is wrong whatever the intent:

- `undefined_name`: a name nothing in the file binds (`bugmodel/undefined_names.py`);
- `python2_name`: the same for a builtin only Python 2 had (`xrange`, `basestring`): a
  `NameError` on any Python the product supports, but in code of the Python 2 era often not
  the bug a later commit fixed, so its probability is measured apart;
- the misuses of `bugmodel/misuse_checks.py`: `is` against a literal, a format string at
  odds with its arguments, `raise NotImplemented`, a regex flag passed as a count, `super`
  given another class;
- `call_arity`: a call that its callee's signature cannot take, for callees the file
  defines and for builtins (`bugmodel/call_arity.py`);
- `attribute_typo`: `self.registy` where the class has `registry`
  (`bugmodel/attribute_typos.py`).

Each was chosen by measuring, on the mined real fixes' files and the clean files of the same
repositories, how often a check fires on the line a later commit fixed against anywhere else
(`bugmodel/MODEL_CARD.md`, "Whole-file checks"); the probabilities below come from those
counts on the train and dev repositories. Documentation and example code (a top-level `docs/`,
`examples/`, ...) is left out: its snippets leave names undefined on purpose.
"""

from __future__ import annotations

import ast

from pyflakes.checker import Checker

from bugmodel.attribute_typos import attribute_typos
from bugmodel.call_arity import wrong_arity_calls
from bugmodel.file_finding import FileFinding
from bugmodel.missing_imports import attribute_reads, import_for
from bugmodel.misuse_checks import misuses
from bugmodel.undefined_names import (
    UndefinedName,
    execs_into_module,
    fallback_guarded_lines,
    function_body_lines,
    silenced_lines,
    silences_undefined_names,
    undefined_names,
    version_guarded_lines,
)

#: Top-level folders of documentation, example code and demo scripts (paramiko's `demos/` held
#: 14 of the 16 undefined names in clean dev files); the review's ordering reads them too.
EXAMPLE_ROOTS = frozenset({"examples", "example", "docs_src", "docs", "doc", "demos", "demo"})
#: Builtins only Python 2 had, with their Python 3 spelling where there is one.
PYTHON2_NAMES = {"xrange": "range", "unicode": "str", "basestring": "str", "long": "int",
                 "raw_input": "input", "unichr": "chr", "file": "open", "cmp": None,
                 "execfile": None, "buffer": None, "apply": None, "intern": None,
                 "coerce": None, "reload": None, "StandardError": "Exception"}


def reported_file_findings(path: str, text: str, tree: ast.Module | None = None, *,
                           whole_file: bool = True) -> list[FileFinding]:
    """`file_findings` as the review reports them: none for documentation or example code."""
    return [] if is_example_path(path) else file_findings(text, tree, whole_file=whole_file)


def is_example_path(path: str) -> bool:
    """Documentation or example code: a file under a top-level folder in `EXAMPLE_ROOTS`."""
    return path.replace("\\", "/").lstrip("/").split("/", 1)[0] in EXAMPLE_ROOTS


def file_findings(text: str, tree: ast.Module | None = None, *,
                  whole_file: bool = True) -> list[FileFinding]:
    """Every defect the checks find in the file, in file order. `whole_file=False` (a text
    that holds only stretches of the file, `bugmodel.partial_sources`): only the misuses,
    which need nothing beyond the code they read; a name bound outside the stretches would
    read as undefined, a callee's signature or a class's attributes may be outside them."""
    if tree is None:
        tree = ast.parse(text)
    lines = text.split("\n")
    messages = Checker(tree, filename="<file>").messages
    silenced = silenced_lines(text)
    found = misuses(tree, lines, messages)
    if whole_file:
        found += (_undefined_findings(text, tree, messages, silenced)
                  + wrong_arity_calls(tree, lines) + attribute_typos(tree, lines))
    # A bare noqa comment is the developer saying the line is meant as it is.
    return sorted((f for f in found if silenced.get(f.line) != frozenset()),
                  key=lambda f: (f.line, f.column))


def _undefined_findings(text: str, tree: ast.Module, messages: list,
                        silenced: dict[int, frozenset[str]]) -> list[FileFinding]:
    """A finding for each name the file reads and nothing binds."""
    undefined = [n for n in undefined_names(text, tree, messages)
                 if n.line not in silenced or not silences_undefined_names(silenced[n.line])]
    if undefined and execs_into_module(tree):
        # Code run into the module's globals may bind any name the module reads at import,
        # but not Python 2's `execfile` that runs it: under Python 3 that call is the NameError.
        in_functions = function_body_lines(tree)
        undefined = [n for n in undefined if n.line in in_functions or n.name == "execfile"]
    if any(n.name in PYTHON2_NAMES for n in undefined):
        # Compatibility code reads Python 2's builtins in the branch only Python 2 runs, or
        # in a `try` whose catch-all handler is what Python 3 runs.
        guarded = version_guarded_lines(tree) | fallback_guarded_lines(tree)
        undefined = [n for n in undefined if n.name not in PYTHON2_NAMES or n.line not in guarded]
    # Walked only for a file that reads an undefined name: most files read none.
    reads = attribute_reads(tree) if undefined else {}
    return [_undefined_finding(n, reads.get(n.name, set())) for n in undefined]


#: What an undefined name's message guesses when the file offers no like name (a review that
#: finds the module defining it says so instead: `reviewapp.findings.repository_names`).
UNKNOWN_NAME_GUESS = "a typo or a missing import?"


def _undefined_finding(name: UndefinedName, attributes: set[str]) -> FileFinding:
    if name.name in PYTHON2_NAMES:
        modern = PYTHON2_NAMES[name.name]
        guess = f"; probably `{modern}`" if modern else ""
        return FileFinding(name.line, name.column, name.line, name.end_column, "python2_name",
                           f"`{name.name}` exists only in Python 2, a NameError under Python 3"
                           f"{guess}", "exception", modern or name.name)
    if name.replacement == f"self.{name.name}":
        why = "the class around it has it as an attribute"
    elif name.bound_elsewhere:
        why = "only another scope of this file defines it (a missing parameter?)"
    else:
        why = "nothing in this file defines it"
    added_import = "" if name.bound_elsewhere else import_for(name.name, attributes)
    replacement = name.replacement
    # A like name is the likelier fix for a bare read; a name read through attributes that
    # its import has (`warnings.warn`, not `Warning`) is a forgotten import, as gunicorn's
    # own fix of that NameError was. `self.<name>`, which the class uses, stays first.
    if replacement and (replacement.startswith("self.") or not attributes):
        added_import = ""
    elif added_import:
        replacement = None
    if added_import:
        guess = f"a missing `{added_import}`?"
    elif replacement:
        guess = f"probably `{replacement}`"
    else:
        guess = "" if name.bound_elsewhere else UNKNOWN_NAME_GUESS
    return FileFinding(name.line, name.column, name.line, name.end_column, "undefined_name",
                       f"`{name.name}` is not defined where it is read, a NameError: {why}"
                       + (f"; {guess}" if guess else ""), "exception",
                       replacement or name.name, added_import)
