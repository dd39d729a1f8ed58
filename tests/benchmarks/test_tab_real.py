"""Tab on real edit sequences: a suggestion is a reversal only where it undoes a recent edit at
that edit's place, followed through the later edits, not wherever a line reads the same."""

from __future__ import annotations

import difflib
import sys
from pathlib import Path

sys.path.append(str(Path(__file__).resolve().parents[2] / "benchmarks"))  # its own imports

from benchmarks.tab_real import reverses  # noqa: E402

ORIGINAL = ["import os", "", "", "def main():", "    import sys", "    return sys.argv"]


def _diff(before: list[str], after: list[str], path: str = "app.py") -> str:
    return "".join(difflib.unified_diff([line + "\n" for line in before],
                                        [line + "\n" for line in after],
                                        f"a/{path}", f"b/{path}", n=2))


def _case(*states: list[str], path: str = "app.py") -> dict:
    """The case after editing ``states[0]`` into each next state in turn."""
    history = "".join(_diff(a, b) for a, b in zip(states, states[1:], strict=False))
    return {"path": path, "file": "".join(line + "\n" for line in states[-1]),
            "history": history}


def _delete(line: int) -> dict:
    return {"start_line": line, "end_line": line, "new_text": ""}


# the recent edit hoisted `import sys` to the top: the old copy stands at line 6
HOISTED = ["import os", "import sys", "", "", "def main():", "    import sys",
           "    return sys.argv"]


def test_deleting_the_old_copy_of_a_moved_line_is_not_a_reversal() -> None:
    """The move finished: the deleted line reads like the one just added, but stands elsewhere."""
    assert not reverses(_case(ORIGINAL, HOISTED), _delete(6))


def test_deleting_the_line_just_inserted_is_a_reversal() -> None:
    """The very line the recent edit wrote, deleted: the edit undone."""
    assert reverses(_case(ORIGINAL, HOISTED), _delete(2))


def test_a_rewrite_back_is_followed_through_later_edits() -> None:
    """A line rewritten, then pushed down by a later insertion above it, rewritten back where it
    now stands is a reversal; an older line that reads like the rewrite, rewritten, is not."""
    start = [*ORIGINAL, "", "", "def rest():", "    return sys.argv[1:]"]
    renamed = [*start[:5], "    return sys.argv[1:]", *start[6:]]
    documented = [*renamed[:4], '    """The arguments."""', *renamed[4:]]
    case = _case(start, renamed, documented)
    back = "    return sys.argv\n"
    assert reverses(case, {"start_line": 7, "end_line": 7, "new_text": back})
    assert not reverses(case, {"start_line": 11, "end_line": 11, "new_text": back})


def test_a_deleted_line_written_back_counts_only_at_its_place() -> None:
    """Undoing a deletion is inserting the line where it was, not anywhere else."""
    without = ORIGINAL[:4] + ORIGINAL[5:]
    case = _case(ORIGINAL, without)
    assert reverses(case, {"start_line": 5, "end_line": 4, "new_text": "    import sys\n"})
    assert not reverses(case, {"start_line": 1, "end_line": 0, "new_text": "import sys\n"})


def test_writing_a_line_as_it_is_undoes_nothing() -> None:
    """A re-indented line written again as it now stands is no reversal; indented back, it is."""
    indented = [*ORIGINAL[:4], "        import sys", *ORIGINAL[5:]]
    case = _case(ORIGINAL, indented)
    assert not reverses(case, {"start_line": 5, "end_line": 5, "new_text": "        import sys\n"})
    assert reverses(case, {"start_line": 5, "end_line": 5, "new_text": "    import sys\n"})


def test_edits_to_another_file_are_not_undone_here() -> None:
    """A recent edit of another file has no place in this one."""
    case = _case(ORIGINAL, HOISTED)
    assert not reverses({**case, "path": "other.py"}, _delete(2))
