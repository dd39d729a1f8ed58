"""Calls the file's own definition of the callee cannot take, and the callees left alone
because the file does not pin their signature down."""

from __future__ import annotations

import ast

from bugmodel.call_arity import wrong_arity_calls


def _problems(code: str) -> list[tuple[int, str]]:
    return sorted((f.line, f.message) for f in wrong_arity_calls(ast.parse(code), code.split("\n")))


WRONG = '''def scale(value, factor, *, clamp):
    return value * factor


class Request:
    def __init__(self, url, timeout=10):
        self.url = url

    def finish(self, response):
        return response

    @classmethod
    def build(cls, url):
        return cls(url)

    @staticmethod
    def check(url):
        return bool(url)

    def run(self):
        self.finish()
        self.build(self, self.url)
        self.check(self.url, 1)
        scale(1, factor=2, clamp=True, value=3)
        scale(1, 2)
        return Request(self.url, 5, 6), scale(1, 2, clamp=False, limit=3)
'''


def test_each_impossible_call_is_reported_with_the_reason():
    found = _problems(WRONG)
    assert [line for line, _ in found] == [21, 22, 23, 24, 25, 26, 26]
    reasons = [message.split(": ", 1)[1] for _, message in found]
    assert reasons == [
        "the required argument `response` is missing (TypeError)",
        "it takes 1 positional argument(s) but 2 are given (TypeError)",
        "it takes 1 positional argument(s) but 2 are given (TypeError)",
        "`value` is given both by position and by keyword (TypeError)",
        "the required argument `clamp` is missing (TypeError)",
        "it takes 2 positional argument(s) but 3 are given (TypeError)",
        "it has no parameter `limit` (TypeError)",
    ]
    assert found[0][1].startswith("`self.finish(...)` cannot take these arguments")


OPEN = '''import functools


def decorated(func):
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        return func(*args, **kwargs)
    return wrapper


@decorated
def wrapped(a):
    return a


def spread(a, b):
    return a + b


def rebound(a):
    return a


rebound = decorated(rebound)


class Made:
    def __new__(cls, *args):
        return super().__new__(cls)

    def __init__(self, a):
        self.a = a


class Shadowed:
    def __init__(self, handler=None):
        if handler:
            self.handle = handler

    def handle(self, a):
        return a

    def run(self, other):
        other.handle()
        return self.handle(1, 2)


def call(*args, **kwargs):
    return (wrapped(1, 2), spread(*args), spread(**kwargs), rebound(), Made(1, 2),
            wrapper())
'''


def test_callees_whose_signature_is_open_are_left_alone():
    """Decorated, rebound, spread arguments, a class with `__new__`, a method an instance
    attribute may replace, a method of another object, and a name the file never defines."""
    assert _problems(OPEN) == []


def test_a_name_a_function_defines_again_or_takes_as_a_parameter_is_left_alone():
    """Seen in an accepted AtCoder program: `convolve` defines its own one-argument `fft`, so
    its `fft(a)` is not the module's two-argument `fft`."""
    code = '''def fft(f, k):
    return f


def key(item, reverse):
    return item


def convolve(a):
    def fft(f):
        return f
    return fft(a)


def ordered(items, key):
    return sorted(items, key=lambda item: key(item))


class Table:
    def fft(self):
        return fft(self, 2)
'''
    assert _problems(code) == []
    # A method of the same name does not hide the module function from the class's methods.
    method = "def fft(f, k):\n    return f\n\n\nclass Table:\n    def fft(self):\n" \
             "        return fft(self)\n"
    assert [line for line, _ in _problems(method)] == [7]


def test_correct_calls_are_left_alone():
    code = '''def f(a, b=1, /, c=2, *, d=3, **rest):
    return a


class C:
    def m(self, x, *more):
        return f(x, 2, c=3, d=4, e=5), self.m(1, 2, 3, 4)
'''
    assert _problems(code) == []


def test_builtins_and_methods_on_literals_are_checked_against_python_itself():
    code = '''def describe(obj, parts):
    if hasattr(obj):
        return " ".join(parts, "and")
    return ", ".join(parts) + str(len(parts)) + [1].index(1, 0, 1, 2)
'''
    assert _problems(code) == [
        (2, "`hasattr(...)` cannot take these arguments: the required argument `name` is "
            "missing (TypeError)"),
        (3, "`str.join(...)` cannot take these arguments: it takes 1 positional argument(s) "
            "but 2 are given (TypeError)"),
        (4, "`list.index(...)` cannot take these arguments: it takes 3 positional argument(s) "
            "but 4 are given (TypeError)")]


def test_a_builtin_the_file_rebinds_is_left_alone():
    code = '''from compat import hasattr


def sorted(items, key, reverse, extra):
    return items


def f(obj, len=len):
    return hasattr(obj), sorted(1, 2, 3, 4), len(1, 2), print(1, 2, 3, sep="")
'''
    assert _problems(code) == []


def test_builtins_are_left_alone_in_a_file_with_a_star_import():
    """funcy's tests star-import funcy, whose `all(pred, seq)` shadows the builtin."""
    code = '''from funcy.colls import *


def test_all():
    assert all(callable, [abs, open, int]) and " ".join("a", "b")
'''
    assert _problems(code) == [
        (5, "`str.join(...)` cannot take these arguments: it takes 1 positional argument(s) "
            "but 2 are given (TypeError)")]
