"""Tab finishes dropping an old Python version: classifiers after the minimum, and back."""

from __future__ import annotations

from inference.edit_history import LineEdit
from tests.inference.tab_edits import predict

SETUP = """import sys

if sys.version_info < (3, 5):
    raise NotImplementedError("Sorry, you need at least Python 3.5+ to use this.")

setup(
    name="pkg",
    python_requires=">=3.5",
    classifiers=[
        "Programming Language :: Python :: 3",
        "Programming Language :: Python :: 3.5",
        "Programming Language :: Python :: 3.6",
        "Programming Language :: Python :: 3.7",
    ],
)
"""


def predict_setup(before: str, after: str, cursor: int) -> LineEdit | None:
    return predict(before, after, cursor, path="setup.py")


def test_raised_minimum_deletes_the_classifiers_below_it_as_one_run() -> None:
    """``(3, 5)`` → ``(3, 7)``: the 3.5 and 3.6 classifiers go together; 3 and 3.7 stay."""
    after = SETUP.replace("version_info < (3, 5)", "version_info < (3, 7)")
    assert predict_setup(SETUP, after, 3) == LineEdit(11, 12, "")


def test_raised_minimum_in_a_message_counts_too() -> None:
    """``3.5+`` → ``3.6+`` in the error message: the 3.5 classifier goes."""
    after = SETUP.replace("Python 3.5+", "Python 3.6+")
    assert predict_setup(SETUP, after, 4) == LineEdit(11, 11, "")


def test_deleted_classifier_raises_the_declared_minimum() -> None:
    """The 3.5 classifier deleted: ``python_requires=">=3.5"`` becomes ``">=3.6"``."""
    after = SETUP.replace('        "Programming Language :: Python :: 3.5",\n', "")
    assert predict_setup(SETUP, after, 11) == LineEdit(8, 8, '    python_requires=">=3.6",\n')


def test_other_version_changes_teach_nothing() -> None:
    """A version lowered, or a line changed besides its version, is no dropped support."""
    lowered = SETUP.replace("version_info < (3, 5)", "version_info < (3, 4)")
    assert predict_setup(SETUP, lowered, 3) is None
    rewritten = SETUP.replace("version_info < (3, 5)", "version_info <= (3, 6)")
    assert predict_setup(SETUP, rewritten, 3) is None
