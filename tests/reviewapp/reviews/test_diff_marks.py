"""What the diff shows inside a line: changed words, findings' squiggles, suggested fixes."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from reviewapp.reviews.highlighting import Mark, line_html, token_lines
from reviewapp.reviews.rendering import changes_code, fix_preview, render_rows
from reviewapp.reviews.word_diff import changed_spans, paired_lines


def test_changed_spans_cover_only_the_edited_operator():
    old, new = changed_spans("    if index > len(items):", "    if index >= len(items):")
    assert [("    if index > len(items):"[a:b]) for a, b in old] == [">"]
    assert [("    if index >= len(items):"[a:b]) for a, b in new] == [">="]


def test_a_rewritten_line_gets_no_word_highlight():
    assert changed_spans("return total", "raise ValueError('negative quantity')") is None


def test_removed_and_added_runs_pair_first_with_first():
    assert paired_lines(["ctx", "del", "del", "add", "ctx", "add", "del", "add"]) == [
        (1, 3), (6, 7)]


def test_edited_line_marks_changed_words_and_keeps_highlighting():
    parsed = [("del", 3, None, "    if n > limit:"), ("add", None, 3, "    if n >= limit:")]
    rows = render_rows(parsed, "python")
    assert '<span class="word-del"><span class="o">&gt;</span></span>' in rows[0].html
    assert ('<span class="word-add"><span class="o">&gt;</span><span class="o">=</span></span>'
            in rows[1].html)
    assert '<span class="k">if</span>' in rows[1].html


def test_a_mark_cutting_through_a_string_keeps_its_colour():
    tokens = token_lines(['name = "alpha beta"'], "python")[0]
    html = line_html(tokens, [Mark(14, 18, 'class="squiggle"')])
    # Both halves of the cut string are still coloured as a string.
    assert '<span class="s2">alpha </span><span class="squiggle"><span class="s2">beta</span>' \
        in html


def test_plain_text_for_unknown_languages_is_escaped():
    assert line_html(token_lines(["a < b"], "")[0]) == "a &lt; b"


def _finding(**fields):
    defaults = dict(line=4, end_line=4, column=11, end_column=13, replacement="None",
                    added_import="")
    return SimpleNamespace(**{**defaults, **fields})


def test_fix_preview_shows_the_line_before_and_after():
    fix = fix_preview(_finding(), "    return []")
    assert (fix.before, fix.after) == ("    return []", "    return None")


@pytest.mark.parametrize("fields", [dict(replacement="[]"), dict(end_line=5),
                                    dict(column=40, end_column=42)])
def test_no_fix_preview_when_nothing_would_change_or_the_span_is_off(fields):
    assert fix_preview(_finding(**fields), "    return []") is None


def test_a_fix_on_an_empty_line_is_shown():
    fix = fix_preview(_finding(column=0, end_column=0, replacement="pass"), "")
    assert (fix.before, fix.after) == ("", "pass")


def test_a_forgotten_import_s_preview_is_the_import_alone():
    fix = fix_preview(_finding(replacement="[]", added_import="import json"), "    return []")
    assert (fix.before, fix.after, fix.added_import) == ("", "", "import json")


@pytest.mark.django_db
def test_finding_card_shows_the_import_to_add(client, member, review, price_finding):
    price_finding.replacement, price_finding.added_import = "item.price", "from shop import cost"
    price_finding.save()
    client.force_login(member)
    page = client.get(review.get_absolute_url()).content.decode()
    assert "Add to the file's imports:" in page
    assert '<span class="fix-add">+ from shop import cost</span>' in page
    assert "No suggestion." not in page and "Accept fix" in page


@pytest.mark.django_db
def test_finding_card_shows_the_fix_as_a_small_diff(client, member, review, price_finding):
    client.force_login(member)
    page = client.get(review.get_absolute_url()).content.decode()
    assert '<span class="fix-del">-         return sum(item.price for item in self.items)' in page
    assert '<span class="fix-add">+         return sum(cost for item in self.items)' in page
    assert "Suggested: " not in page


@pytest.mark.django_db
def test_finding_card_says_when_there_is_no_suggestion(client, member, review, price_finding):
    price_finding.replacement = "item.price"  # the same code: nothing to suggest
    price_finding.save()
    client.force_login(member)
    page = client.get(review.get_absolute_url()).content.decode()
    assert "No suggestion." in page
    assert "Accept fix" not in page  # nothing to accept


@pytest.mark.parametrize(("fields", "changes"), [
    (dict(), True), (dict(replacement="[]"), False),
    (dict(line=3, end_line=4, column=4, end_column=13, replacement="x = 1\n    return []"),
     False),
    (dict(line=3, end_line=4, column=4, end_column=13, replacement="return []"), True),
    (dict(line=9, end_line=9), True),  # a line the page does not know: offer it
    (dict(replacement="[]", added_import="import json"), True),  # the import is the fix
])
def test_a_fix_is_offered_only_when_it_changes_the_code(fields, changes):
    lines = {3: "    x = 1", 4: "    return []"}
    assert changes_code(_finding(**fields), lines) is changes
