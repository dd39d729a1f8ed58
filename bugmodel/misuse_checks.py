"""Misuses a reading of one expression proves wrong, whatever the intent.

- `identity_literal`: `x is "linear"` compares identity with a literal, which holds or not
  depending on interning, not on the value (`==` was meant);
- `format_mismatch`: a format string and its arguments disagree (pyflakes' messages: a
  placeholder without an argument, an argument no placeholder uses, a malformed format);
- `raise_not_implemented`: `raise NotImplemented` raises `TypeError` (`NotImplementedError`
  was meant);
- `regex_flag_as_count`: `re.sub(pattern, repl, text, re.I)` passes the flag as `count`
  (and `re.split`'s as `maxsplit`): the flag is ignored and replacements are capped;
- `wrong_super`: `super(Other, self)` in a method of a class that is not `Other` and does
  not build on it (a class copied or renamed; `TypeError`), and `super.method(...)`, the
  builtin itself rather than `super()`.
"""

from __future__ import annotations

import ast

from pyflakes import messages as pyflakes_messages

from bugmodel.file_finding import FileFinding, node_span, span_text, walk_outside_classes

#: pyflakes' format messages whose mistake raises (a missing argument, a malformed format);
#: the other format messages are about arguments that are silently left out of the text.
_RAISING_FORMATS = (
    pyflakes_messages.StringDotFormatMissingArgument,
    pyflakes_messages.StringDotFormatInvalidFormat,
    pyflakes_messages.StringDotFormatMixingAutomatic,
    pyflakes_messages.PercentFormatInvalidFormat,
    pyflakes_messages.PercentFormatMixedPositionalAndNamed,
    pyflakes_messages.PercentFormatUnsupportedFormatCharacter,
    pyflakes_messages.PercentFormatPositionalCountMismatch,
    pyflakes_messages.PercentFormatMissingArgument,
    pyflakes_messages.PercentFormatExpectedMapping,
    pyflakes_messages.PercentFormatExpectedSequence,
    pyflakes_messages.PercentFormatStarRequiresSequence,
)
_FORMAT_MESSAGES = (*_RAISING_FORMATS,
                    pyflakes_messages.StringDotFormatExtraPositionalArguments,
                    pyflakes_messages.StringDotFormatExtraNamedArguments,
                    pyflakes_messages.PercentFormatExtraNamedArguments)
_REGEX_FLAGS = frozenset({"A", "ASCII", "DEBUG", "I", "IGNORECASE", "L", "LOCALE", "M",
                          "MULTILINE", "S", "DOTALL", "U", "UNICODE", "X", "VERBOSE"})
#: re functions whose positional argument at this index is a count, not the flags.
_REGEX_COUNT_ARGUMENT = {"sub": 3, "subn": 3, "split": 2}


def misuses(tree: ast.Module, lines: list[str], messages: list[pyflakes_messages.Message],
            ) -> list[FileFinding]:
    """Every misuse in the file (`messages`: pyflakes' messages for it)."""
    found = _format_mismatches(tree, lines, messages) + _wrong_supers(tree, lines)
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            found += _identity_literals(node, lines)
        elif isinstance(node, ast.Raise):
            found += _raise_not_implemented(node, lines)
        elif isinstance(node, ast.Call):
            found += _regex_flag_as_count(node, lines)
    return found


def _identity_literals(node: ast.Compare, lines: list[str]) -> list[FileFinding]:
    found = []
    left = node.left
    for op, right in zip(node.ops, node.comparators, strict=True):
        if isinstance(op, (ast.Is, ast.IsNot)) and (_is_literal(left) or _is_literal(right)):
            line, column, _, _ = node_span(left, lines)
            _, _, end_line, end_column = node_span(right, lines)
            text = span_text(lines, line, column, end_line, end_column)
            left_text = span_text(lines, *node_span(left, lines))
            right_text = span_text(lines, *node_span(right, lines))
            between = text[len(left_text) : len(text) - len(right_text)]
            word, equal = ("is not", "!=") if isinstance(op, ast.IsNot) else ("is", "==")
            found.append(FileFinding(
                line, column, end_line, end_column, "identity_literal",
                f"`{word}` compares identity, not value: against a literal it holds or not "
                f"depending on how Python happens to store the value; probably `{equal}`",
                "wrong result", left_text + between.replace(word, equal, 1) + right_text))
        left = right
    return found


def _is_literal(node: ast.expr) -> bool:
    """A constant other than None, True, False and `...` (whose identity is guaranteed)."""
    if isinstance(node, ast.Tuple):
        return all(isinstance(e, ast.Constant) for e in node.elts)
    return isinstance(node, ast.Constant) and not isinstance(
        node.value, (bool, type(None), type(Ellipsis)))


def _raise_not_implemented(node: ast.Raise, lines: list[str]) -> list[FileFinding]:
    raised = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
    if not (isinstance(raised, ast.Name) and raised.id == "NotImplemented"):
        return []
    return [FileFinding(*node_span(raised, lines), "raise_not_implemented",
                        "`NotImplemented` is a value for binary operators, not an exception: "
                        "raising it raises TypeError instead; probably `NotImplementedError`",
                        "exception", "NotImplementedError")]


def _regex_flag_as_count(node: ast.Call, lines: list[str]) -> list[FileFinding]:
    func = node.func
    if not (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)
            and func.value.id == "re" and func.attr in _REGEX_COUNT_ARGUMENT):
        return []
    index = _REGEX_COUNT_ARGUMENT[func.attr]
    if len(node.args) <= index or not _is_regex_flag(node.args[index]):
        return []
    flag = node.args[index]
    span = node_span(flag, lines)
    what = "maxsplit" if func.attr == "split" else "count"
    return [FileFinding(*span, "regex_flag_as_count",
                        f"the flag is passed as `re.{func.attr}`'s positional `{what}`: it is "
                        f"ignored as a flag and limits the {what} instead; probably `flags=`",
                        "wrong result", f"flags={span_text(lines, *span)}")]


def _is_regex_flag(node: ast.expr) -> bool:
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return _is_regex_flag(node.left) and _is_regex_flag(node.right)
    return (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
            and node.value.id == "re" and node.attr in _REGEX_FLAGS)


def _format_mismatches(tree: ast.Module, lines: list[str],
                       messages: list[pyflakes_messages.Message]) -> list[FileFinding]:
    """pyflakes' format-string messages, each spanning the formatting expression."""
    expressions = {(node.lineno, node.col_offset): node for node in ast.walk(tree)
                   if _is_formatting(node)}
    found = []
    for message in messages:
        if not isinstance(message, _FORMAT_MESSAGES):
            continue
        node = expressions.get((message.lineno, message.col))
        if node is None:
            continue
        span = node_span(node, lines)
        found.append(FileFinding(
            *span, "format_mismatch",
            "the format string and its arguments disagree: "
            + message.message % message.message_args,
            "exception" if isinstance(message, _RAISING_FORMATS) else "wrong result",
            span_text(lines, *span)))
    return found


def _is_formatting(node: ast.AST) -> bool:
    """`'...'.format(...)` or `'...' % ...`: where pyflakes reports a format message."""
    if isinstance(node, ast.BinOp):
        return isinstance(node.op, ast.Mod)
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr == "format")


def _wrong_supers(tree: ast.Module, lines: list[str]) -> list[FileFinding]:
    definitions = [node for node in ast.walk(tree) if isinstance(node, ast.ClassDef)]
    names = [cls.name for cls in definitions]
    # A name defined twice leaves open which class a base or `super` argument means.
    classes = {cls.name: cls for cls in definitions if names.count(cls.name) == 1}
    found = []
    for cls in classes.values():
        ancestry = _ancestor_names(cls, classes)
        for method in cls.body:
            if not isinstance(method, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for node in walk_outside_classes(method):
                if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                        and node.value.id == "super"):
                    found.append(FileFinding(
                        *node_span(node.value, lines), "wrong_super",
                        f"`super.{node.attr}` looks the attribute up on the builtin `super` "
                        "itself, not on the parent class; probably `super()`",
                        "exception", "super()"))
                elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                        and node.func.id == "super" and node.args
                        and isinstance(node.args[0], ast.Name)
                        and node.args[0].id in classes and node.args[0].id != cls.name
                        and node.args[0].id not in ancestry):
                    found.append(FileFinding(
                        *node_span(node.args[0], lines), "wrong_super",
                        f"`super({node.args[0].id}, ...)` in a method of `{cls.name}`, which "
                        f"does not build on `{node.args[0].id}`: a TypeError (a copied or "
                        f"renamed class?); probably `{cls.name}`", "exception", cls.name))
    return found


def _ancestor_names(cls: ast.ClassDef, classes: dict[str, ast.ClassDef]) -> set[str]:
    """Names of the classes `cls` builds on, followed through the file's own classes."""
    names: set[str] = set()
    todo = [cls]
    while todo:
        for base in todo.pop().bases:
            name = base.id if isinstance(base, ast.Name) else getattr(base, "attr", None)
            if name is not None and name not in names:
                names.add(name)
                if name in classes:
                    todo.append(classes[name])
    return names
