"""Moved blocks within and across files."""

from __future__ import annotations

from reviewapp.importance import GRAY, score_hunks_mechanical

from .conftest import tiers

A = "def a():\n    x = 1\n    y = 2\n    return x + y\n"
B = ("def b(items):\n    total = 0\n    for item in items:\n        total += item\n"
     "    return total\n")
C = "def c():\n    print('c is here')\n    return None\n"
FILLER = "".join(f"\nCONST_{i} = {i}\n" for i in range(8))


def test_function_moved_within_a_file_is_grayed(diff_of):
    """Moving a whole function further down the file grays both ends of the move."""
    old = A + "\n\n" + B + FILLER + "\n\n" + C
    new = A + FILLER + "\n\n" + C + "\n\n" + B
    scores = score_hunks_mechanical(diff_of({"m.py": (old, new)}))
    moved = [s for s in scores[0] if s.detector == "moved"]
    assert moved and all(s.tier == GRAY for s in moved)
    assert all("moved" in s.reason and "unchanged" in s.reason for s in moved)


def test_function_moved_to_another_file_names_that_file(diff_of):
    """A function cut from one file and pasted into another is grayed in both, naming the other."""
    scores = score_hunks_mechanical(diff_of({"one.py": (A + "\n\n" + B, A),
                                             "two.py": (C, C + "\n\n" + B)}))
    assert tiers(scores) == [[GRAY], [GRAY]]
    assert "`two.py`" in scores[0][0].reason and "`one.py`" in scores[1][0].reason


def test_moved_function_with_an_edited_line_is_not_grayed(diff_of):
    """A move that also changes a line hides a real change: neither end is grayed."""
    edited = B.replace("total += item", "total -= item")
    scores = score_hunks_mechanical(diff_of({"one.py": (A + "\n\n" + B, A),
                                             "two.py": (C, C + "\n\n" + edited)}))
    assert scores[1][0].tier != GRAY


def test_swapping_statements_inside_a_function_is_not_a_move(diff_of):
    """Reordering statements within a function changes the program: not grayed."""
    old = "def f():\n    open_door()\n    walk_through()\n    close_door()\n    lock()\n" \
          "    leave()\n    done()\n"
    new = "def f():\n    close_door()\n    lock()\n    leave()\n    open_door()\n" \
          "    walk_through()\n    done()\n"
    scores = score_hunks_mechanical(diff_of({"f.py": (old, new)}))
    assert all(s.tier != GRAY for s in scores[0])
