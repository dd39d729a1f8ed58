"""Defects a static reading of the whole file proves: what the learned models cannot see.

The learned detector reads one unit at a time and ranks likely spots; these checks read the
whole file and report code that is wrong whatever the intent:

- `undefined_name`: a name nothing in the file binds (`bugmodel/undefined_names.py`);
- `python2_name`: the same for a builtin only Python 2 had (`xrange`, `basestring`): a
  `NameError` on any Python the product supports, but in code of the Python 2 era often not
  the bug a later commit fixed, so its probability is measured apart;
- `identity_literal`: `x is "linear"` compares identity with a literal, which holds or not
  depending on interning, not on the value (`==` was meant);
- `format_mismatch`: a format string and its arguments disagree (pyflakes: a placeholder
  without an argument, an argument no placeholder uses, a malformed format);
- `raise_not_implemented`: `raise NotImplemented` raises `TypeError` (`NotImplementedError`
  was meant);
- `regex_flag_as_count`: `re.sub(pattern, repl, text, re.I)` passes the flag as `count`
  (and `re.split`'s as `maxsplit`): the flag is ignored and replacements are capped.

Each was chosen by measuring, on the mined real fixes' files and the clean files of the same
repositories, how often a check fires on the line a later commit fixed against anywhere else
(`bugmodel/MODEL_CARD.md`, "Whole-file checks"); the probabilities below come from those
counts on the train and dev repositories. Documentation and example code (a top-level `docs/`,
`examples/`, ...) is left out: its snippets leave names undefined on purpose.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from pyflakes import messages as pyflakes_messages
from pyflakes.checker import Checker

from bugmodel.undefined_names import UndefinedName, undefined_names

#: Top-level folders of documentation and example code (`reviewapp.ordering.conventions`'s,
#: and demo scripts: paramiko's `demos/` held 14 of the 16 undefined names in clean dev files).
EXAMPLE_ROOTS = frozenset({"examples", "example", "docs_src", "docs", "doc", "demos", "demo"})
#: How sure a report of each kind is a bug: Laplace's rule over the first report in each
#: function a later commit fixed (train and dev repositories), counting those on the fixed line.
PROBABILITY = {
    "undefined_name": 0.93,  # 61 of 65
    "python2_name": 0.38,  # 9 of 24
    # The four misuse checks pooled (one alone fires too rarely to estimate): 12 of 14.
    "identity_literal": 0.81, "format_mismatch": 0.81, "raise_not_implemented": 0.81,
    "regex_flag_as_count": 0.81,
}
#: Builtins only Python 2 had, with their Python 3 spelling where there is one.
PYTHON2_NAMES = {"xrange": "range", "unicode": "str", "basestring": "str", "long": "int",
                 "raw_input": "input", "unichr": "chr", "file": "open", "cmp": None,
                 "execfile": None, "buffer": None, "apply": None, "intern": None,
                 "coerce": None, "reload": None, "StandardError": "Exception"}
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


@dataclass(frozen=True)
class FileFinding:
    """A defect at lines [line, end_line] (1-based), character columns [column, end_column);
    `replacement` replaces exactly that span (the span's own text: no repair to offer)."""

    line: int
    column: int
    end_line: int
    end_column: int
    kind: str
    message: str  # what is wrong, in plain words
    effect: str  # exception | wrong result (as `bugmodel.messages.effect`)
    replacement: str

    @property
    def probability(self) -> float:
        return PROBABILITY[self.kind]


def reported_file_findings(path: str, text: str, tree: ast.Module | None = None,
                           ) -> list[FileFinding]:
    """`file_findings` as the review reports them: none for documentation or example code
    (a top-level folder in `EXAMPLE_ROOTS`)."""
    if path.replace("\\", "/").lstrip("/").split("/", 1)[0] in EXAMPLE_ROOTS:
        return []
    return file_findings(text, tree)


def file_findings(text: str, tree: ast.Module | None = None) -> list[FileFinding]:
    """Every defect the checks find in the file, in file order."""
    if tree is None:
        tree = ast.parse(text)
    lines = text.split("\n")
    messages = Checker(tree, filename="<file>").messages
    found = [_undefined_finding(n) for n in undefined_names(text, tree, messages)]
    found += _format_mismatches(tree, lines, messages)
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            found += _identity_literals(node, lines)
        elif isinstance(node, ast.Raise):
            found += _raise_not_implemented(node, lines)
        elif isinstance(node, ast.Call):
            found += _regex_flag_as_count(node, lines)
    return sorted(found, key=lambda f: (f.line, f.column))


def _undefined_finding(name: UndefinedName) -> FileFinding:
    if name.name in PYTHON2_NAMES:
        modern = PYTHON2_NAMES[name.name]
        guess = f"; probably `{modern}`" if modern else ""
        return FileFinding(name.line, name.column, name.line, name.end_column, "python2_name",
                           f"`{name.name}` exists only in Python 2, a NameError under Python 3"
                           f"{guess}", "exception", modern or name.name)
    guess = (f"probably `{name.replacement}`" if name.replacement
             else "a typo or a missing import?")
    return FileFinding(name.line, name.column, name.line, name.end_column, "undefined_name",
                       f"`{name.name}` is not defined anywhere in this file, a NameError "
                       f"({guess})", "exception", name.replacement or name.name)


def _column(lines: list[str], line: int, byte_offset: int) -> int:
    """The character column of an ast byte offset on a 1-based line."""
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    return len(text.encode()[:byte_offset].decode(errors="ignore"))


def _span(node: ast.expr, lines: list[str]) -> tuple[int, int, int, int]:
    end_line = node.end_lineno or node.lineno
    return (node.lineno, _column(lines, node.lineno, node.col_offset), end_line,
            _column(lines, end_line, node.end_col_offset or 0))


def _segment(lines: list[str], line: int, column: int, end_line: int, end_column: int) -> str:
    if line == end_line:
        return lines[line - 1][column:end_column]
    return "\n".join([lines[line - 1][column:], *lines[line:end_line - 1],
                      lines[end_line - 1][:end_column]])


def _identity_literals(node: ast.Compare, lines: list[str]) -> list[FileFinding]:
    found = []
    left = node.left
    for op, right in zip(node.ops, node.comparators, strict=True):
        if isinstance(op, (ast.Is, ast.IsNot)) and (_is_literal(left) or _is_literal(right)):
            line, column, _, _ = _span(left, lines)
            _, _, end_line, end_column = _span(right, lines)
            text = _segment(lines, line, column, end_line, end_column)
            left_text = _segment(lines, *_span(left, lines))
            right_text = _segment(lines, *_span(right, lines))
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
    return [FileFinding(*_span(raised, lines), "raise_not_implemented",
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
    span = _span(flag, lines)
    what = "maxsplit" if func.attr == "split" else "count"
    return [FileFinding(*span, "regex_flag_as_count",
                        f"the flag is passed as `re.{func.attr}`'s positional `{what}`: it is "
                        f"ignored as a flag and limits the {what} instead; probably `flags=`",
                        "wrong result", f"flags={_segment(lines, *span)}")]


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
        span = _span(node, lines)
        found.append(FileFinding(
            *span, "format_mismatch",
            "the format string and its arguments disagree: "
            + message.message % message.message_args,
            "exception" if isinstance(message, _RAISING_FORMATS) else "wrong result",
            _segment(lines, *span)))
    return found


def _is_formatting(node: ast.AST) -> bool:
    """`'...'.format(...)` or `'...' % ...`: where pyflakes reports a format message."""
    if isinstance(node, ast.BinOp):
        return isinstance(node.op, ast.Mod)
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr == "format")
