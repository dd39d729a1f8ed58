"""The key tier: the few hunks that change behaviour most, each with its own reason."""

from __future__ import annotations

from reviewapp.importance import KEY, NORMAL, score_hunks_mechanical
from reviewapp.importance.behaviour import key_budget

FILLER = "\n".join(f"def f{i}(x):\n    y = x + {i}\n    return y\n\n" for i in range(12))


def _module(extra: str) -> str:
    return FILLER + "\n\n" + extra


def test_new_error_path_is_key_and_says_what_it_raises(diff_of):
    """A raise added in `load` is the heart of a diff of many small edits."""
    old = _module("def load(path):\n    data = read(path)\n    return data\n")
    new = old.replace("    data = read(path)\n",
                      "    data = read(path)\n    if not data:\n        raise EmptyFile(path)\n")
    for i in range(0, 12, 2):  # six plain edits elsewhere: a diff big enough for one key
        new = new.replace(f"    y = x + {i}\n", f"    y = x * {i}\n")
    scores = [s for row in score_hunks_mechanical(diff_of({"m.py": (old, new)})) for s in row]
    keys = [s for s in scores if s.tier == KEY]
    assert len(keys) == 1
    assert keys[0].reason == "new error path in `load`: raises `EmptyFile`"
    assert sum(s.tier == NORMAL for s in scores) == len(scores) - 1


def test_test_files_and_small_diffs_have_no_key(diff_of):
    """A two-hunk diff has no key hunk; a changed condition in a test file never is key."""
    old = _module("def check(v):\n    return v\n")
    new = old.replace("    return v\n", "    if v < 0:\n        return 0\n    return v\n")
    assert all(s.tier == NORMAL for row in score_hunks_mechanical(
        diff_of({"m.py": (old, new)})) for s in row)
    many = new
    for i in range(0, 12, 2):
        many = many.replace(f"    y = x + {i}\n", f"    y = x - {i}\n")
    scores = score_hunks_mechanical(diff_of({"tests/test_m.py": (old, many)}))
    assert all(s.tier == NORMAL for row in scores for s in row)


def test_key_budget_is_a_fifth_of_the_hunks():
    assert [key_budget(n, 0.2) for n in (1, 2, 3, 5, 10, 77)] == [0, 0, 1, 1, 2, 15]


def _with_six_plain_edits(new: str) -> str:
    for i in range(0, 12, 2):  # a diff big enough for one key hunk
        new = new.replace(f"    y = x + {i}\n", f"    y = x * {i}\n")
    return new


def test_type_checking_and_version_gates_are_not_key(diff_of):
    """Moving imports under TYPE_CHECKING or dropping a `sys.version_info` shim is upkeep: with
    a real condition in the same diff, the condition is the key hunk."""
    old = _module("def load(path):\n    return read(path)\n")
    old = "import sys\n\nif sys.version_info < (3, 8):\n    import compat\n\n" + old
    new = old.replace("if sys.version_info < (3, 8):\n    import compat\n",
                      "if TYPE_CHECKING:\n    import compat\n")
    new = _with_six_plain_edits(new.replace(
        "    return read(path)\n", "    if path.exists():\n        return read(path)\n"))
    scores = [s for row in score_hunks_mechanical(diff_of({"m.py": (old, new)})) for s in row]
    assert [s.reason for s in scores if s.tier == KEY] == [
        "new condition in `load`: `if path.exists()`"]


def test_settings_files_have_no_key_hunks(diff_of):
    """`raise NotImplementedError` listed in setup.cfg is a coverage exclusion, not code."""
    old = "[coverage:report]\nexclude_lines =\n    pragma: no cover\n" + "".join(
        f"option{i} = {i}\n\n\n\n\n\n\n\n" for i in range(12))
    new = old.replace("    pragma: no cover\n",
                      "    pragma: no cover\n    raise NotImplementedError\n")
    for i in range(0, 12, 2):
        new = new.replace(f"option{i} = {i}\n", f"option{i} = {i + 1}\n")
    scores = score_hunks_mechanical(diff_of({"setup.cfg": (old, new)}))
    assert all(s.tier != KEY for row in scores for s in row)
