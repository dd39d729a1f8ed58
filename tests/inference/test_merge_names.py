"""Names a merge reads that its scope does not bind."""

from __future__ import annotations

from inference.merge_names import unbound_names


def test_names_read_as_globals_and_bound_nowhere_are_unbound() -> None:
    text = ("import os\n\ndef f(x):\n    def g():\n        return x + y\n    return os.path\n\n"
            "class A:\n    z = q\n    def m(self):\n        return len(self.z)\n")
    assert unbound_names(text) == {"y", "q"}


def test_a_parameter_of_an_enclosing_function_binds_the_name() -> None:
    assert unbound_names("def t(exc):\n    def m1():\n        return exc\n") == set()
    assert unbound_names("def t():\n    def m1():\n        return exc\n") == {"exc"}


def test_star_imports_and_broken_code_say_nothing() -> None:
    assert unbound_names("from os import *\nprint(path)\n") is None
    assert unbound_names("def f(:\n") is None
