"""Priority prompt rendering: budget fitting, whole lines, priorities, stable prefixes."""

from __future__ import annotations

import pytest

from inference.prompt import REQUIRED, Part, PromptBudgetExceeded, around_line, render


def words(text: str) -> int:
    """A stand-in tokenizer: one token per whitespace-separated word."""
    return len(text.split())


FILE = "".join(f"line{i} a b\n" for i in range(20))  # 3 words per line


def test_everything_is_kept_when_it_fits():
    """Under a generous budget the text is the parts in order, nothing dropped."""
    prompt = Part(children=[Part("head\n", priority=5), Part(FILE, priority=1)])
    rendered = render(prompt, budget=1000, count_tokens=words)
    assert rendered.text == "head\n" + FILE
    assert rendered.dropped == []
    assert rendered.tokens == 61


def test_lower_priority_parts_go_first():
    """With too little room, the low-priority part is dropped and the high one kept whole."""
    prompt = Part(children=[
        Part("keep me\n", priority=10, name="instructions"),
        Part(FILE, priority=1, name="file"),
        Part("the question\n", priority=9, name="question"),
    ])
    rendered = render(prompt, budget=10, count_tokens=words)
    assert rendered.text == "keep me\nthe question\n"
    assert rendered.dropped == ["file"]


def test_lines_are_never_cut_in_half():
    """Every rendered line is a whole line of the input, and the result fits the budget."""
    for budget in range(0, 70, 7):
        rendered = render(around_line(FILE, 10, priority=5), budget, words)
        assert rendered.tokens <= budget
        assert all(line + "\n" in FILE.splitlines(keepends=True) or line == ""
                   for line in rendered.text.split("\n"))


def test_window_around_the_cursor_shrinks_symmetrically():
    """Lines nearest the cursor line survive longest, on both sides."""
    rendered = render(around_line(FILE, 10, priority=5), budget=15, count_tokens=words)
    assert rendered.text == "".join(f"line{i} a b\n" for i in range(8, 13))


def test_elision_marker_stands_for_dropped_runs():
    """Each run of dropped lines is replaced by one elision line."""
    part = around_line(FILE, 10, priority=5, elision="# ...\n")
    rendered = render(part, budget=14, count_tokens=words)
    lines = rendered.text.splitlines()
    assert lines[0] == "# ..." and lines[-1] == "# ..."
    assert lines.count("# ...") == 2
    assert rendered.tokens <= 14


def test_children_never_outrank_their_parent():
    """A high-priority child of a low-priority parent is dropped with its parent."""
    prompt = Part(children=[
        Part("top\n", priority=10),
        Part(priority=1, children=[Part("child says hi\n", priority=99, name="child")]),
    ])
    rendered = render(prompt, budget=2, count_tokens=words)
    assert rendered.text == "top\n"
    assert rendered.dropped == ["child"]


def test_atomic_parts_are_all_or_nothing():
    """An atomic part is never trimmed line by line."""
    prompt = Part(children=[Part(FILE, priority=1, atomic=True, name="file"),
                            Part("q\n", priority=5)])
    assert render(prompt, budget=59, count_tokens=words).text == "q\n"
    assert render(prompt, budget=61, count_tokens=words).text == FILE + "q\n"


def test_rendering_is_deterministic():
    """The same tree and budget always give the same text."""
    prompt = Part(children=[around_line(FILE, 3, priority=4), Part(FILE, priority=4)])
    texts = {render(prompt, budget=40, count_tokens=words).text for _ in range(5)}
    assert len(texts) == 1


def test_required_parts_that_do_not_fit_raise():
    """If the required parts alone exceed the budget, rendering fails clearly."""
    prompt = Part(children=[Part("must keep all of this\n", priority=REQUIRED),
                            Part("optional\n", priority=1)])
    assert render(prompt, budget=5, count_tokens=words).text == "must keep all of this\n"
    with pytest.raises(PromptBudgetExceeded, match="required"):
        render(prompt, budget=3, count_tokens=words)


def test_stable_prefix_is_the_leading_stable_text():
    """stable_prefix covers the leading stable parts kept whole, and stays the same when
    only the volatile tail changes (so the KV cache can reuse it)."""
    def prompt(cursor: int) -> Part:
        return Part(children=[
            Part("system\n", priority=REQUIRED, stable=True, atomic=True),
            Part(FILE, priority=3, stable=True, atomic=True),
            around_line(FILE, cursor, priority=5),
        ])

    first = render(prompt(2), budget=80, count_tokens=words)
    second = render(prompt(15), budget=80, count_tokens=words)
    assert first.stable_prefix == second.stable_prefix == "system\n" + FILE
    assert first.text.startswith(first.stable_prefix)
    assert first.text != second.text
    tight = render(prompt(2), budget=20, count_tokens=words)
    assert tight.stable_prefix == "system\n"


def test_bad_declarations_are_refused():
    """A part with text and children, or mismatched line priorities, is a ValueError."""
    with pytest.raises(ValueError):
        Part("x\n", children=[Part("y\n")])
    with pytest.raises(ValueError):
        Part("a\nb\n", line_priorities=[1.0])
    with pytest.raises(ValueError):
        render(Part("a\n"), budget=-1, count_tokens=words)
