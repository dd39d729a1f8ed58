"""Consistent renames `foo → bar`, counted across hunks, and the swaps that only look like one."""

from __future__ import annotations

from reviewapp.importance import GRAY, score_hunks_mechanical

GAP = "".join(f"\nSETTING_{i} = {i}\n" for i in range(6))
OLD = ("def load(cfg):\n    return read(cfg.path)\n" + GAP +
       "\ndef save(cfg, data):\n    write(cfg.path, data)\n" + GAP +
       "\ndef show(cfg):\n    print(cfg)\n")


def test_rename_applied_in_several_hunks_is_grayed_with_count(diff_of):
    """`cfg → config` in three hunks: each grayed, the reason names the rename and the others."""
    new = OLD.replace("cfg", "config")
    scores = score_hunks_mechanical(diff_of({"io.py": (OLD, new)}))[0]
    assert len(scores) == 3
    assert all(s.tier == GRAY and s.detector == "rename" for s in scores)
    assert scores[0].reason == "same rename `cfg → config` as 2 other hunks"
    assert scores[0].details["hunks_sharing"] == 3


def test_rename_across_files_counts_all_files(diff_of):
    """The same rename in two files is shared: the reason counts the other file's hunk."""
    a = "def f(cfg):\n    return cfg.x + cfg.y\n"
    b = "def g(cfg):\n    use(cfg)\n"
    scores = score_hunks_mechanical(diff_of({"a.py": (a, a.replace("cfg", "config")),
                                             "b.py": (b, b.replace("cfg", "config"))}))
    assert [s.reason for row in scores for s in row] == [
        "same rename `cfg → config` as 1 other hunk"] * 2


def test_swap_to_an_existing_name_is_not_grayed(diff_of):
    """Replacing a variable by another that already existed is a variable-misuse bug shape."""
    old = "def f(a, b):\n    x = a * 2\n    y = a + 1\n    return x, y, b\n"
    new = "def f(a, b):\n    x = b * 2\n    y = b + 1\n    return x, y, b\n"
    score = score_hunks_mechanical(diff_of({"f.py": (old, new)}))[0][0]
    assert score.tier != GRAY
    assert "already existed" in score.reason


def test_single_changed_name_is_not_a_rename(diff_of):
    """Calling a different, new function once is a change of behaviour, not a rename."""
    old = "def f(a):\n    return slow_sort(a)\n"
    new = "def f(a):\n    return fast_sort(a)\n"
    assert score_hunks_mechanical(diff_of({"f.py": (old, new)}))[0][0].tier != GRAY


def test_partial_rename_within_a_line_is_not_grayed(diff_of):
    """Renaming only some occurrences on the changed lines is not a consistent rename."""
    old = "def f(cfg):\n    return cfg.a + cfg.b\n"
    new = "def f(config):\n    return config.a + cfg.b\n"
    assert score_hunks_mechanical(diff_of({"f.py": (old, new)}))[0][0].tier != GRAY


def test_swapping_a_builtin_or_keeping_the_old_name_is_not_a_rename(diff_of):
    """`float → Decimal` changes behaviour, and a name still used after the edit was not
    renamed: neither is grayed (both were real edits grayed on real commits)."""
    old = "def f(v):\n    return float(v)\n\n\ndef g(v):\n    return float(v) + 1\n"
    new = old.replace("float(", "Decimal(")
    assert all(s.tier != GRAY for s in score_hunks_mechanical(diff_of({"m.py": (old, new)}))[0])
    old = "def f(string):\n    a = parse(string)\n    b = parse(string)\n    return a, string\n"
    new = old.replace("a = parse(string)\n    b = parse(string)",
                      "a = parse(text)\n    b = parse(text)")
    assert all(s.tier != GRAY for s in score_hunks_mechanical(diff_of({"m.py": (old, new)}))[0])
