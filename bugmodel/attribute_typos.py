"""`self.<name>` reads of an attribute the class never has, where it has one spelled alike.

`self.registy` in a class that sets `self.registry`, `self.set_tag(...)` beside a method
`set_etag`: an `AttributeError` when the line runs, and the name it was meant to be is right
there. Only classes whose whole ancestry the file shows are judged (bases defined once in the
file, builtin types but `type`, `object`), without decorators or metaclasses (which may add
attributes; nor metaclasses themselves, whose `cls` is a class they make),
and without `__getattr__`, `__getattribute__`, `__dict__`, `vars()` or a `setattr` with a
computed name on `self` or `cls` in that ancestry.

An attribute counts as present when any class of the ancestry defines or assigns it, when
anything in the file assigns it on any object, or when a string in the ancestry spells it
(`setattr(self, "x", ...)`, `__slots__`). A read is reported only when a present name is
alike (difflib ratio at least 0.8): an absent attribute without a look-alike is as often set
by code the file does not show (a subclass, a mixin's user) as it is a bug. For the same
reason a read of what the file's classes built on the class have, with their own ancestries,
is not reported (a mixin's `self.connect()` is a sibling base's method, an abstract base's
`self._close()` its subclasses'), and one of those classes whose ancestry the file does not
show (`unittest.TestCase`) leaves the class unjudged; look-alikes come from the class's own
ancestry only. On the mined real fixes the look-alike reads were on the fixed line in 5 of 6
functions, and never fired in the clean files (`bugmodel/MODEL_CARD.md`).
"""

from __future__ import annotations

import ast
import builtins
import difflib
from collections.abc import Iterator

from bugmodel.file_finding import FileFinding, character_column, walk_outside_classes

#: A suggested attribute must be at least this alike (difflib ratio) to the missing one.
CLOSE_RATIO = 0.8
_FUNCTION = (ast.FunctionDef, ast.AsyncFunctionDef)
_BUILTIN_TYPES = {name: value for name, value in vars(builtins).items()
                  if isinstance(value, type)}
#: Names whose presence means attributes come from where the file does not show.
_DYNAMIC = frozenset({"__getattr__", "__getattribute__", "__dict__", "vars"})


def attribute_typos(tree: ast.Module, lines: list[str]) -> list[FileFinding]:
    """Every `self.<name>` read of a missing attribute with a look-alike present one."""
    classes: dict[str, list[ast.ClassDef]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            classes.setdefault(node.name, []).append(node)
    assigned_anywhere = {node.attr for node in ast.walk(tree)
                         if isinstance(node, ast.Attribute)
                         and isinstance(node.ctx, (ast.Store, ast.Del))}
    found = []
    for group in classes.values():
        for cls in group:
            present = _present_attributes(cls, classes)
            below = _provided_below(cls, classes)
            if present is None or below is None:
                continue
            present |= assigned_anywhere
            for read in _self_reads(cls):
                if read.attr in present or read.attr in below or read.attr.startswith("__"):
                    continue
                close = difflib.get_close_matches(
                    read.attr, sorted(n for n in present if not n.startswith("__")), n=1,
                    cutoff=CLOSE_RATIO)
                if close:
                    found.append(_finding(read, cls.name, close[0], lines))
    return found


def _finding(read: ast.Attribute, class_name: str, meant: str, lines: list[str],
             ) -> FileFinding:
    """The finding spans the attribute's name only, so the repair replaces just that."""
    line = read.end_lineno or read.lineno
    end = character_column(lines, line, read.end_col_offset or 0)
    owner = read.value.id if isinstance(read.value, ast.Name) else "self"
    return FileFinding(line, end - len(read.attr), line, end, "attribute_typo",
                       f"`{owner}.{read.attr}` is set nowhere in `{class_name}` or the classes "
                       f"it builds on, an AttributeError; probably `{owner}.{meant}`",
                       "exception", meant)


def _present_attributes(cls: ast.ClassDef, classes: dict[str, list[ast.ClassDef]],
                        ) -> set[str] | None:
    """The attributes `cls` and its ancestry define, or None when the file does not show
    all of them."""
    present: set[str] = set(dir(object))
    todo, seen = [cls], set()
    while todo:
        current = todo.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if current.decorator_list or current.keywords or _is_dynamic(current):
            return None
        present |= _defined_in(current)
        for base in current.bases:
            if not isinstance(base, ast.Name):
                return None
            if base.id == "type" and "type" not in classes:
                return None  # a metaclass: `cls` in its methods is a class it makes
            if base.id in _BUILTIN_TYPES and base.id not in classes:
                present |= set(dir(_BUILTIN_TYPES[base.id]))
            elif len(classes.get(base.id, [])) == 1:
                todo.append(classes[base.id][0])
            else:
                return None
    return present


def _provided_below(cls: ast.ClassDef, classes: dict[str, list[ast.ClassDef]],
                    ) -> set[str] | None:
    """The attributes that the file's classes built on `cls` (directly or through others)
    have with their ancestries, or None when the file does not show all of them: a mixin or
    an abstract base reads what they, or the bases they combine it with, provide."""
    provided: set[str] = set()
    found: list[ast.ClassDef] = []
    todo = [cls.name]
    while todo:
        name = todo.pop()
        for group in classes.values():
            for other in group:
                if other is cls or other in found or not any(
                        isinstance(base, ast.Name) and base.id == name
                        for base in other.bases):
                    continue
                attributes = _present_attributes(other, classes)
                if attributes is None:
                    return None
                provided |= attributes
                found.append(other)
                todo.append(other.name)
    return provided


def _is_dynamic(cls: ast.ClassDef) -> bool:
    for node in ast.walk(cls):
        if isinstance(node, _FUNCTION) and node.name in _DYNAMIC:
            return True
        if isinstance(node, ast.Attribute) and node.attr in _DYNAMIC:
            return True
        if isinstance(node, ast.Name) and node.id in _DYNAMIC:
            return True
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                and node.func.id == "setattr" and len(node.args) > 1
                and isinstance(node.args[0], ast.Name) and node.args[0].id in ("self", "cls")
                and not isinstance(node.args[1], ast.Constant)):
            return True
    return False


def class_body_names(cls: ast.ClassDef) -> set[str]:
    """Names the class body itself binds: its methods, nested classes and class attributes."""
    names: set[str] = set()
    for node in cls.body:
        if isinstance(node, (*_FUNCTION, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names |= {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
    return names


def _defined_in(cls: ast.ClassDef) -> set[str]:
    """Names the class body binds, and every identifier-like string in it."""
    return class_body_names(cls) | {
        node.value for node in ast.walk(cls) if isinstance(node, ast.Constant)
        and isinstance(node.value, str) and node.value.isidentifier()}


def _self_reads(cls: ast.ClassDef) -> Iterator[ast.Attribute]:
    """`self.<name>` loads in the class's own methods (not in nested classes)."""
    for method in cls.body:
        if not isinstance(method, _FUNCTION) or not method.args.args or any(
                isinstance(d, ast.Name) and d.id == "staticmethod"
                for d in method.decorator_list):
            continue
        me = method.args.args[0].arg
        for node in walk_outside_classes(method):
            if (isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load)
                    and isinstance(node.value, ast.Name) and node.value.id == me):
                yield node

