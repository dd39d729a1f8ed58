"""Generalise a past edit into a rule and find where it applies next.

Rules, most specific first:

* ``ArgumentsRule`` — a call's (or a ``def``'s) argument list changed: an argument inserted,
  dropped or the arguments reordered. The next ``name(...)`` of the same kind gets the same change.
* ``ReplaceRule`` — tokens replaced inside a line (a rename, ``x.attr`` → ``x._attr``,
  ``print x`` → ``print(x)``). The next line holding the old tokens gets the new ones.
* ``StripRule`` — trailing whitespace removed (a clean-up): the next run of lines ending in
  whitespace is stripped too.
* ``LineRule`` — whole lines deleted (the next identical run of lines goes too) or inserted
  after a line (the next identical line gets the same lines after it).

Search for the next place starts at the cursor, goes down, then wraps to the top.
"""

from __future__ import annotations

import io
import re
import tokenize as tokenize_module
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

from inference.edit_history import HunkEdit, LineEdit
from inference.sketch import indentation

__all__ = ["ArgumentsRule", "Call", "LineRule", "ReplaceRule", "Rule", "StripRule", "calls",
           "is_import", "prose_lines", "remakes_a_line", "rules_from_edit", "search_rank",
           "tokenize"]

_TOKEN = re.compile(
    r"""[A-Za-z_][A-Za-z0-9_]*|\d[\w.]*|"(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*'|\s+|.""")
_OPEN, _CLOSE = "([{", ")]}"
_IMPORT_LINE = re.compile(r"^\s*(?:from\s+[\w.]+\s+import\s|import\s)")


def tokenize(line: str) -> list[str]:
    """Identifiers, numbers, string literals, runs of spaces and single other characters."""
    return _TOKEN.findall(line)


def _is_word(token: str) -> bool:
    return bool(token) and (token[0].isalnum() or token[0] in "_\"'")


class Rule(ABC):
    """A generalised edit; ``edit_at`` says how it changes one line, or None."""

    @abstractmethod
    def edit_at(self, lines: Sequence[str], number: int) -> LineEdit | None:
        """The edit this rule makes at 0-based line ``number`` (None when it does not apply)."""

    def next_edit(self, lines: Sequence[str], cursor: int,
                  written: frozenset[str] = frozenset(),
                  skip: frozenset[int] = frozenset()) -> LineEdit | None:
        """First place at or below 0-based ``cursor`` (then from the top) where the rule applies.

        Lines in ``written`` (what the recent edits produced) are never edited again, nor the
        0-based line numbers in ``skip``.
        """
        for number in _search_order(len(lines), cursor):
            if number in skip or lines[number].rstrip() in written:
                continue
            edit = self.edit_at(lines, number)
            if edit is not None:
                return edit
        return None


@dataclass(frozen=True)
class ProseSpan:
    """A comment alone on its line, or a multi-line string: 0-based lines ``first..last``."""

    comment: bool
    first: int
    last: int
    opens_line: bool  # nothing but indentation before it on its first line


def prose_spans(text: str) -> Iterator[ProseSpan]:
    """The comments alone on their lines and the multi-line strings of ``text``, in order; the
    spans read before the text stops being Python, when it does."""
    lines = text.splitlines()
    try:
        for token in tokenize_module.generate_tokens(io.StringIO(text).readline):
            (first, column), (last, _) = token.start, token.end
            if token.type == tokenize_module.COMMENT and not lines[first - 1][:column].strip():
                yield ProseSpan(True, first - 1, first - 1, True)
            elif token.type == tokenize_module.STRING and last > first:
                yield ProseSpan(False, first - 1, last - 1,
                                not lines[first - 1][:column].strip())
    except (tokenize_module.TokenError, SyntaxError, IndexError):
        return


def prose_lines(text: str) -> frozenset[int]:
    """0-based numbers of the lines that hold only a comment or the inside of a multi-line
    string (docstrings): words there are prose, and code patterns do not carry over to them."""
    found: set[int] = set()
    for span in prose_spans(text):
        found.update(range(span.first if span.opens_line else span.first + 1, span.last + 1))
    return frozenset(found)


def search_rank(total: int, cursor: int, number: int) -> int:
    """Where 0-based line ``number`` comes in the search from ``cursor`` (0 = first)."""
    cursor = min(max(cursor, 0), max(total - 1, 0))
    return (number - cursor) % max(total, 1)


def _search_order(total: int, cursor: int) -> Iterator[int]:
    cursor = min(max(cursor, 0), max(total - 1, 0))
    yield from range(cursor, total)
    yield from range(0, cursor)


def _replace_line(lines: Sequence[str], number: int, new: str) -> LineEdit | None:
    if new == lines[number] or _depth(new) != _depth(lines[number]):
        return None  # unchanged, or the rule would unbalance the line's brackets
    return LineEdit(number + 1, number + 1, new + "\n")


def _depth(line: str) -> int:
    """Open minus closed brackets outside string literals."""
    tokens = tokenize(line)
    return sum(t in _OPEN for t in tokens) - sum(t in _CLOSE for t in tokens)


@dataclass(frozen=True)
class ReplaceRule(Rule):
    """Token runs ``old`` → ``new`` (each pair), applied to every occurrence in a line;
    ``attributes``: also after a dot (a method was renamed, so ``obj.old`` follows)."""

    pairs: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]
    attributes: bool = False
    imports_only: bool = False  # taught on an import: it changes other imports, not code

    def edit_at(self, lines: Sequence[str], number: int) -> LineEdit | None:
        if self.imports_only and not is_import(lines[number]):
            return None
        tokens = tokenize(lines[number])
        if not self._holds_swapped(tokens):
            return None
        out: list[str] = []
        i = 0
        while i < len(tokens):
            # All pairs at once, so a swap (a→b, b→a) does not undo itself.
            for old, new in self.pairs:
                # A rename of `name` leaves `obj.name` alone (the learned pair would start
                # with "." if the edit was on an attribute).
                after_dot = (not self.attributes and old[0] != "." and i > 0
                             and tokens[i - 1] == ".")
                if tuple(tokens[i:i + len(old)]) == old and not after_dot:
                    out.extend(new)
                    i += len(old)
                    break
                if requoted := _requoted(old, new, tokens[i]):
                    out.append(requoted)
                    i += 1
                    break
            else:
                out.append(self._in_string(tokens[i]))
                i += 1
        return _replace_line(lines, number, "".join(out))


    def _holds_swapped(self, tokens: Sequence[str]) -> bool:
        """Whether ``tokens`` hold both sides of every swap among the pairs (``a, b`` →
        ``b, a`` reorders where both stand; alone, either name is no rename)."""
        words = set(tokens)
        for old, new in self.pairs:
            if len(old) == 1 and len(new) == 1 and ((new, old) in self.pairs) and not (
                    old[0] in words and new[0] in words):
                return False
        return True

    def _in_string(self, token: str) -> str:
        """A string literal with distinctive renamed names renamed in it too (generated code
        such as ``"cache.get_and_replace(%s)"`` follows a method's rename)."""
        if token[:1] not in "\"'":
            return token
        for old, new in self.pairs:
            if len(old) == 1 and len(new) == 1 and _distinctive(old[0]) and new[0].isidentifier():
                token = re.sub(rf"(?<![\w]){re.escape(old[0])}(?![\w])", new[0], token)
        return token


def _requoted(old: tuple[str, ...], new: tuple[str, ...], token: str) -> str | None:
    """``new`` written in ``token``'s quotes when ``old`` is one string literal that ``token``
    spells with the other quotes (``'1.6.0'`` → ``'1.7.0'`` also bumps ``"1.6.0"``)."""
    if len(old) != 1 or len(new) != 1 or len(token) < 2 or token[0] not in "\"'":
        return None
    quote, other = token[0], "'" if token[0] == '"' else '"'
    if not (_plain_string(old[0], other) and _plain_string(new[0], other)):
        return None
    if old[0][1:-1] != token[1:-1] or quote in new[0][1:-1]:
        return None
    return quote + new[0][1:-1] + quote


def _plain_string(token: str, quote: str) -> bool:
    """A string literal in ``quote`` quotes, without prefix, escapes or the other quote."""
    inner = token[1:-1]
    return (len(token) >= 2 and token[0] == token[-1] == quote and "\\" not in inner
            and "'" not in inner and '"' not in inner)


def _distinctive(name: str) -> bool:
    """A name unlikely to be an ordinary word: long, with an underscore or an inner capital."""
    return name.isidentifier() and len(name) >= 6 and (
        "_" in name.strip("_") or any(c.isupper() for c in name[1:]))


@dataclass(frozen=True)
class ArgumentsRule(Rule):
    """Change the argument list of ``name(...)`` (``obj.name(...)`` when ``attribute``):
    ``insert`` at ``index`` (negative: from the end), ``drop`` the argument at ``index``, or
    reorder by ``order`` (new[i] = old[order[i]]). A ``def`` rule applies only to definitions
    that take a receiver (``self``/``cls`` first) as the taught one did or did not
    (``method``): a method and a function of one name are different signatures."""

    name: str
    is_def: bool
    attribute: bool
    action: str  # "insert" | "drop" | "reorder"
    index: int = 0
    inserted: tuple[str, ...] = ()
    old_arity: int = 0
    order: tuple[int, ...] = ()
    method: bool = False

    def edit_at(self, lines: Sequence[str], number: int) -> LineEdit | None:
        tokens = tokenize(lines[number])
        for call in calls(tokens):
            if (call.name, call.is_def, call.attribute) != (
                    self.name, self.is_def, self.attribute):
                continue
            if self.is_def and _takes_receiver(call.args) != self.method:
                continue
            args = self._change(call.args)
            if args is not None and args != call.args:
                new = "".join(tokens[:call.open + 1]) + ", ".join(args) + "".join(
                    tokens[call.close:])
                return _replace_line(lines, number, new)
        return None

    def _change(self, args: list[str]) -> list[str] | None:
        if self.action == "insert":
            if any(a in args for a in self.inserted):
                return None  # already done here
            at = self.index if self.index >= 0 else len(args) + 1 + self.index
            if not 0 <= at <= len(args):
                return None
            return args[:at] + list(self.inserted) + args[at:]
        if len(args) != self.old_arity:
            return None
        if self.action == "drop":
            return args[:self.index] + args[self.index + 1:]
        return [args[i] for i in self.order]


@dataclass(frozen=True)
class LineRule(Rule):
    """Delete the next run equal to ``removed``, or insert ``added`` after the next line like
    ``anchor`` (equal, or a definition header differing only in the name it defines)."""

    removed: tuple[str, ...] = ()
    added: tuple[str, ...] = ()
    anchor: str = ""

    def edit_at(self, lines: Sequence[str], number: int) -> LineEdit | None:
        if self.removed:
            run = tuple(line.rstrip() for line in lines[number:number + len(self.removed)])
            if run == self.removed:
                return LineEdit(number + 1, number + len(self.removed), "")
            return None
        line = lines[number]
        if not line.strip() or _shape(line) != _shape(self.anchor):
            return None
        shift = indentation(line)[len(indentation(self.anchor)):] if line.startswith(
            indentation(self.anchor)) else ""
        block = [shift + a if a.strip() else a for a in self.added]
        if tuple(lines[number + 1:number + 1 + len(block)]) == tuple(block):
            return None  # already inserted here
        return LineEdit(number + 2, number + 1, "".join(b + "\n" for b in block))


@dataclass(frozen=True)
class StripRule(Rule):
    """Strip the trailing whitespace of the next run of lines that have some."""

    def edit_at(self, lines: Sequence[str], number: int) -> LineEdit | None:
        end = number
        while end < len(lines) and lines[end] != lines[end].rstrip():
            end += 1
        if end == number:
            return None
        stripped = "".join(line.rstrip() + "\n" for line in lines[number:end])
        return LineEdit(number + 1, end, stripped)

    def next_edit(self, lines: Sequence[str], cursor: int,
                  written: frozenset[str] = frozenset(),
                  skip: frozenset[int] = frozenset()) -> LineEdit | None:
        """As `Rule.next_edit`, on every line: stripping is right in prose too, and a line the
        recent edits wrote is stripped no differently."""
        return super().next_edit(lines, cursor)


def _strips(edit: HunkEdit) -> bool:
    """Whether ``edit`` only removed trailing whitespace."""
    return (len(edit.removed) == len(edit.added) and edit.removed != edit.added
            and all(new == old.rstrip() for old, new in zip(edit.removed, edit.added, strict=True)))


_METHOD = re.compile(r"^\s+(?:async\s+)?def\s+(\w+)\s*\(\s*(?:self|cls)\b")


def _renames_method(rule: ReplaceRule, old: str) -> bool:
    """Whether ``rule`` renames the method whose ``def`` line was ``old`` (not a parameter)."""
    method = _METHOD.match(old)
    return method is not None and len(rule.pairs) == 1 and rule.pairs[0][0] == (method[1],)
_DEFINED_NAME = re.compile(r"^((?:async\s+)?(?:def|class)\s+)\w+")


def _shape(line: str) -> str:
    """The stripped line, with the name a ``def``/``class`` defines made generic: inserting
    after one definition's header generalises to the other definitions like it."""
    return _DEFINED_NAME.sub(r"\1<name>", line.strip())


@dataclass(frozen=True)
class Call:
    """One ``name(...)`` on a line: where its parentheses are (token indexes) and its
    top-level arguments as written."""

    name: str
    is_def: bool
    attribute: bool  # `obj.name(...)` rather than `name(...)`
    open: int
    close: int
    args: list[str]


def calls(tokens: Sequence[str]) -> Iterator[Call]:
    """Every ``name(...)`` (a call or a ``def``) whose parentheses close on this line, with its
    top-level arguments, from the `tokenize` tokens of the line."""
    for i, token in enumerate(tokens):
        if token != "(" or i == 0 or not tokens[i - 1][:1].isalpha() and tokens[i - 1][:1] != "_":
            continue
        depth, parts, current = 0, [], []
        for j in range(i + 1, len(tokens)):
            t = tokens[j]
            if t in _OPEN:
                depth += 1
            elif t in _CLOSE:
                if depth == 0:
                    parts.append("".join(current).strip())
                    args = [] if parts == [""] else parts
                    before = [t for t in tokens[:i - 1] if t.strip()]
                    yield Call(tokens[i - 1], bool(before) and before[-1] == "def",
                                i > 1 and tokens[i - 2] == ".", i, j, args)
                    break
                depth -= 1
            elif t == "," and depth == 0:
                parts.append("".join(current).strip())
                current = []
                continue
            current.append(t)


def _arguments_rule(old: str, new: str) -> ArgumentsRule | None:
    old_tokens, new_tokens = tokenize(old), tokenize(new)
    old_calls, new_calls = list(calls(old_tokens)), list(calls(new_tokens))
    if len(old_calls) != len(new_calls):
        return None
    for a, b in zip(old_calls, new_calls, strict=True):
        if a.name != b.name or a.args == b.args:
            continue
        # Only the argument list may differ; the rest of the line must be the same.
        if old_tokens[:a.open] != new_tokens[:b.open] or (
            old_tokens[a.close:] != new_tokens[b.close:]):
            return None
        return _classify(a, b.args)
    return None


def _takes_receiver(args: Sequence[str]) -> bool:
    return bool(args) and args[0] in ("self", "cls")


def _classify(call: Call, new: list[str]) -> ArgumentsRule | None:
    old = call.args
    n, m = len(old), len(new)
    kind = (call.name, call.is_def, call.attribute)
    method = call.is_def and _takes_receiver(old)
    if m > n:
        for at in range(n + 1):
            if new[:at] == old[:at] and new[at + m - n:] == old[at:]:
                index = at if at < n else -1  # appended: keep appending at the end
                return ArgumentsRule(*kind, "insert", index, tuple(new[at:at + m - n]),
                                     method=method)
    if m == n - 1:
        for at in range(n):
            if old[:at] + old[at + 1:] == new:
                return ArgumentsRule(*kind, "drop", at, old_arity=n, method=method)
    if m == n >= 2 and sorted(old) == sorted(new) and len(set(old)) == n:
        order = tuple(old.index(arg) for arg in new)
        return ArgumentsRule(*kind, "reorder", old_arity=n, order=order, method=method)
    return None


def _replace_rule(old: str, new: str) -> ReplaceRule | None:
    a, b = tokenize(old), tokenize(new)
    pairs: list[tuple[tuple[str, ...], tuple[str, ...]]] = []
    opcodes = SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    kept = sum(1 for tag, i1, i2, _, _ in opcodes if tag == "equal" for t in a[i1:i2] if t.strip())
    if kept * 2 < sum(1 for t in a if t.strip()):
        return None  # most of the line was rewritten: a one-off change, not a pattern
    for _tag, i1, i2, j1, j2 in _joined_changes(a, opcodes):
        if i2 > i1 and j1 == j2 and 0 < i1 and i2 < len(a):
            # A deletion keeps a token of context each side: `=list()` → `=()` is a pattern,
            # deleting every `list` is not.
            i1, i2, j1, j2 = i1 - 1, i2 + 1, j1 - 1, j2 + 1
        # Anchor the change on whole words: an insertion on the word before and after it, a
        # change of punctuation on the word before it; keep a leading "." so `.x` is not `x`.
        insertion = i1 == i2
        while i1 > 0 and j1 > 0 and a[i1 - 1] == b[j1 - 1] and (
            not any(_is_word(t) for t in a[i1:i2]) or a[i1 - 1] == "."):
            i1, j1 = i1 - 1, j1 - 1
        stop = i2
        while i2 < len(a) and j2 < len(b) and a[i2] == b[j2] and (
            not any(_is_word(t) for t in a[stop if insertion else i1:i2])):
            i2, j2 = i2 + 1, j2 + 1
        if i2 - i1 == 1 and a[i1][:1].isdigit() and i1 > 0 and j1 > 0 and a[i1 - 1] == b[j1 - 1]:
            # A number keeps the token before it: `xrange(1)` → `xrange(101)` is about that
            # bound, not every `1` (`i+1` below).
            i1, j1 = i1 - 1, j1 - 1
        pair = (tuple(a[i1:i2]), tuple(b[j1:j2]))
        if not pair[0] or not any(t.strip() for t in pair[0]) or not _generalises(*pair):
            return None
        if pair not in pairs:
            pairs.append(pair)
    return ReplaceRule(tuple(pairs)) if pairs else None


#: Operators, the boolean and conditional keywords among them: a condition joined to a test
#: (`if not no_input:` → `if not no_input and not key.startswith('__'):`) is about that test.
_OPERATORS = frozenset("+-*/%|&=<>@^~") | {"and", "or", "not", "if", "else"}


def _joined_changes(tokens: list[str], opcodes: list) -> list[tuple[str, int, int, int, int]]:
    """The non-equal opcodes, a deletion or insertion joined with a change at most one solid
    token away (`f(g(x))` → `f(x)` is one change, not two that each unbalance a line)."""
    joined: list[tuple[str, int, int, int, int]] = []
    gap: tuple[int, int] | None = None
    for tag, i1, i2, j1, j2 in opcodes:
        if tag == "equal":
            gap = (i1, i2)
            continue
        if joined and gap is not None and sum(1 for t in tokens[gap[0]:gap[1]] if t.strip()) <= 1 \
                and "replace" not in (tag, joined[-1][0]):
            _, p1, _, q1, _ = joined[-1]
            joined[-1] = ("replace", p1, i2, q1, j2)
        else:
            joined.append((tag, i1, i2, j1, j2))
        gap = None
    return joined


def _generalises(old: tuple[str, ...], new: tuple[str, ...]) -> bool:
    """Whether a token change is worth making again elsewhere.

    Not: a change of spacing only; tokens deleted outright, unless a qualifier
    (`mod.sub.name` → `name`; `x += sep + line` → `x += line` would leave `+=  + line` at
    other uses of `sep`); a comment added (`# noqa`, `# type: ignore` are about one line); an
    operator and operand wrapped around a name that stays (`s = a` → `s = a + b` is one
    computation, not a pattern, nor is `if a:` → `if a and b:`; `rv is 3` → `rv == 3` is).
    """
    solid_old = [t for t in old if t.strip()]
    solid_new = [t for t in new if t.strip()]
    if solid_old == solid_new:
        return False
    if not solid_new and "." not in (solid_old[0], solid_old[-1]):
        return False
    if "#" in new and "#" not in old:
        return False
    added = list(solid_new)
    for token in solid_old:
        if token not in added:
            return True  # something was replaced, not only wrapped
        added.remove(token)
    return not (any(t in _OPERATORS for t in added) and any(_is_word(t) for t in added))


def remakes_a_line(rule: Rule, edit: HunkEdit) -> bool:
    """Whether ``rule`` (taught by ``edit``) turns one of the lines ``edit`` changed into what
    ``edit`` made of it; true of rules that do not work line by line. A token rule that does
    not carries only part of its line's change (the rest fell outside what it generalises)."""
    if not isinstance(rule, ReplaceRule | ArgumentsRule) or len(edit.removed) != len(edit.added):
        return True
    for number, (old, new) in enumerate(zip(edit.removed, edit.added, strict=True)):
        made = rule.edit_at(edit.removed, number) if old != new else None
        if made is not None and made.new_text == new + "\n":
            return True
    return False


def _inserts(old: Sequence[str], new: Sequence[str]) -> bool:
    """Whether ``new`` is ``old`` with tokens inserted (every token of ``old`` kept, in
    order)."""
    rest = iter(new)
    return all(token in rest for token in old)


def is_import(line: str) -> bool:
    """Whether ``line`` is an ``import`` or ``from ... import`` statement."""
    return bool(_IMPORT_LINE.match(line))


def rules_from_edit(edit: HunkEdit) -> list[Rule]:
    """The rules one past edit suggests, most specific first."""
    removed = tuple(line.rstrip() for line in edit.removed)
    if removed and not edit.added:
        return [LineRule(removed=removed)] if any(line.strip() for line in removed) else []
    if edit.added and not removed:
        anchor = edit.before[-1] if edit.before else ""
        return [LineRule(added=edit.added, anchor=anchor)] if anchor.strip() else []
    if len(edit.removed) != len(edit.added):
        return []
    if _strips(edit):
        return [StripRule()]
    rules: list[Rule] = []
    for old, new in zip(edit.removed, edit.added, strict=True):
        if old == new:
            continue
        if is_import(old) and is_import(new):
            # A package relocated (`from rich.x import y` → `from pip._vendor.rich.x import
            # y`: tokens inserted, none replaced) is carried to its other imports; any other
            # import change only to the same statement (in another file). Never to the code:
            # `unittest` in `from unittest import SkipTest` names where a name comes from, and
            # what an import change means for the code is `inference.tab_imports`'.
            found = _replace_rule(old, new)
            pairs = found.pairs if found is not None and all(
                _inserts(a, b) for a, b in found.pairs) else (
                (tuple(tokenize(old.strip())), tuple(tokenize(new.strip()))),)
            rule: Rule | None = ReplaceRule(pairs, imports_only=True)
        else:
            # A recognised argument change is the pattern; its token diff would
            # over-generalise.
            rule = _arguments_rule(old, new) or _replace_rule(old, new)
        if isinstance(rule, ReplaceRule) and _renames_method(rule, old):
            rule = ReplaceRule(rule.pairs, attributes=True)  # its calls are `obj.name(...)`
        if rule is not None and rule not in rules:
            rules.append(rule)
    return rules
