"""`self.<name>` reads of a missing attribute with a look-alike the class has, and the
classes left alone because the file does not show all their attributes."""

from __future__ import annotations

import ast

from bugmodel.attribute_typos import attribute_typos

TYPOS = '''class Base:
    def set_etag(self, value):
        self._etag = value


class Response(Base):
    limit = 10

    def __init__(self, registry):
        self.registry = registry

    def send(self):
        self.set_tag("x")
        return self.registy, self.limt, self.__class__
'''


def _reported(code: str) -> list[tuple[int, str, str]]:
    lines = code.split("\n")
    return [(f.line, lines[f.line - 1][f.column:f.end_column], f.replacement)
            for f in attribute_typos(ast.parse(code), lines)]


def test_a_missing_attribute_with_a_look_alike_is_reported_on_its_name():
    found = attribute_typos(ast.parse(TYPOS), TYPOS.split("\n"))
    assert _reported(TYPOS) == [(13, "set_tag", "set_etag"), (14, "registy", "registry"),
                                (14, "limt", "limit")]
    assert all(f.kind == "attribute_typo" and f.effect == "exception" for f in found)
    assert "`self.registy` is set nowhere in `Response`" in found[1].message


def test_classes_whose_attributes_the_file_does_not_show_are_left_alone():
    """An imported base, a decorator, a metaclass, `__getattr__`, `setattr` with a computed
    name, an attribute set from outside the class, and a read with no look-alike."""
    code = '''from elsewhere import Mixin


class FromMixin(Mixin):
    def run(self):
        self.registry = 1
        return self.registy


@decorated
class Decorated:
    registry = 1

    def run(self):
        return self.registy


class Meta(metaclass=Registry):
    registry = 1

    def run(self):
        return self.registy


class Dynamic:
    registry = 1

    def __getattr__(self, name):
        return name

    def run(self):
        return self.registy


class Computed:
    registry = 1

    def __init__(self, **options):
        for key, value in options.items():
            setattr(self, key, value)

    def run(self):
        return self.registy


class SetOutside:
    registry = 1

    def run(self):
        return self.registy, self.unrelated_name


SetOutside().registy = 2
'''
    assert _reported(code) == []


def test_a_nested_class_is_judged_by_its_own_attributes():
    code = '''class Outer:
    value = 1

    def build(self):
        class Inner:
            def get(self):
                return self.valeu

        return Inner, self.value
'''
    assert _reported(code) == []


def test_a_mixin_reads_what_the_classes_built_on_it_provide():
    """waitress's test mixins call `self.connect()`, a method of the other base their test
    classes combine them with; an abstract base calls `self._close()`, its subclasses'."""
    code = '''class SubprocessTests:
    def connect(self):
        self.connection = 1


class TooLargeTests:
    def test_headers(self):
        self.connect()


class TcpTooLargeTests(TooLargeTests, SubprocessTests):
    pass


class TriggerBase:
    def close(self):
        self._closed = True
        self._close()


class Trigger(TriggerBase):
    def _close(self):
        pass
'''
    assert _reported(code) == []


def test_a_class_built_on_by_one_the_file_does_not_show_is_left_alone():
    code = '''import unittest


class TooLargeTests:
    def setUp(self):
        self.connection = 1

    def test_headers(self):
        self.connect()


class TcpTooLargeTests(TooLargeTests, unittest.TestCase):
    pass
'''
    assert _reported(code) == []


def test_a_typo_in_a_base_is_still_reported_when_no_subclass_provides_it():
    code = '''class Base:
    def __init__(self):
        self.registry = {}

    def lookup(self, key):
        return self.registy[key]


class Child(Base):
    def other(self):
        return 1
'''
    assert _reported(code) == [(6, "registy", "registry")]


def test_a_metaclass_is_left_alone():
    """webob's `_TemplateMetaclass.__init__(cls, ...)` reads `cls.idpattern`: `cls` is the
    class the metaclass makes, whose attributes the metaclass does not define."""
    code = '''class _TemplateMetaclass(type):
    pattern = 1

    def __init__(cls, name, bases, dct):
        super().__init__(name, bases, dct)
        cls.compiled = cls.idpattern
'''
    assert _reported(code) == []
