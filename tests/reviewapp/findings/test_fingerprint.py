"""A finding's identity across revisions ignores line numbers and whitespace, not the code."""

from __future__ import annotations

from reviewapp.findings import fingerprint, known_new_lines
from reviewapp.ingest.parser import parse_diff


def test_the_same_code_line_moved_and_reindented_keeps_its_fingerprint():
    key = fingerprint("shop/a.py", "    if price < 0:", "comparison")
    assert fingerprint("shop/a.py", "if  price <  0:\t", "comparison") == key


def test_path_code_and_kind_each_change_the_fingerprint():
    key = fingerprint("shop/a.py", "if price < 0:", "comparison")
    assert fingerprint("shop/b.py", "if price < 0:", "comparison") != key
    assert fingerprint("shop/a.py", "if price <= 0:", "comparison") != key
    assert fingerprint("shop/a.py", "if price < 0:", "off_by_one") != key


def test_a_pasted_modified_file_knows_only_its_hunks_new_side(sample_diff):
    models = next(f for f in parse_diff(sample_diff).files if f.path == "pkg/models.py")
    lines = known_new_lines(models)
    assert lines[6] == "        return sum(item.price for item in self.items)"
    assert sorted(lines) == list(range(1, 8))
