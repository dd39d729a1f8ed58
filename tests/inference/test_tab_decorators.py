"""Tab decorates the sibling definitions like the one just decorated."""

from __future__ import annotations

from inference.edit_history import LineEdit
from tests.inference.tab_edits import predict


def decorate(code: str, name: str) -> str:
    return code.replace(f")\ndef {name}", f")\n@settings(deadline=None)\ndef {name}")


TESTS = """@given(
    config=st.from_type(Config),
)
def test_idempotent(config):
    assert run(config) == run(run(config))


def test_plain():
    assert run(None)


@given(
    config=st.from_type(Config),
)
def test_keeps_imports(config):
    assert "import" in run(config)
"""


def test_decorator_goes_to_the_next_definition_decorated_alike() -> None:
    """``@settings(deadline=None)`` written above one ``@given`` test goes above the next
    ``@given`` test, not above the undecorated one between them."""
    after = decorate(TESTS, "test_idempotent")
    assert predict(TESTS, after, 4) == LineEdit(16, 15, "@settings(deadline=None)\n")


def test_decorator_already_there_is_not_written_again() -> None:
    """The other ``@given`` test already has the decorator: nothing to suggest."""
    code = decorate(TESTS, "test_keeps_imports")
    after = decorate(code, "test_idempotent")
    assert predict(code, after, 4) is None


def test_decorator_of_an_undecorated_method_is_not_carried_to_other_methods() -> None:
    """``@property`` above one method is about that method, not its siblings."""
    code = ("class Response:\n    def ok(self):\n        return self.code < 400\n\n"
            "    def text(self):\n        return self.body.decode()\n")
    after = code.replace("    def ok(self):", "    @property\n    def ok(self):")
    assert predict(code, after, 2) is None
