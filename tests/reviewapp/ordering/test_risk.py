"""risk.change_risk: bigger and branchier changes score higher."""

from __future__ import annotations

from reviewapp.ingest.parsed import ParsedFile
from reviewapp.ordering.risk import change_risk

from .conftest import make_file


def test_more_changed_lines_mean_more_risk():
    """Ten changed assignments outrank one."""
    one = make_file("a.py", "x = 1\n", "x = 2\n")
    ten = make_file("a.py", "".join(f"x{n} = 1\n" for n in range(10)),
                    "".join(f"x{n} = 2\n" for n in range(10)))
    assert change_risk(ten) > change_risk(one) > 0


def test_new_branches_outrank_straight_line_code_of_the_same_size():
    """Same number of lines, but `if`/`else` added: riskier."""
    plain = make_file("a.py", "a = 1\n", "a = 1\nb = 2\nc = 3\nd = 4\n")
    branchy = make_file("a.py", "a = 1\n", "a = 1\nif a:\n    b = 2\nelse:\n")
    assert change_risk(branchy) > change_risk(plain)


def test_deleting_a_file_is_less_risky_than_adding_it():
    """The same lines removed weigh half as much as added."""
    text = "".join(f"if x{n}:\n    y = {n}\n" for n in range(5))
    assert change_risk(make_file("a.py", text, None)) < change_risk(make_file("a.py", None, text))


def test_binary_files_have_no_risk():
    """Nothing to read, nothing to rank."""
    assert change_risk(ParsedFile("a.png", "a.png", "modified", is_binary=True)) == 0.0
