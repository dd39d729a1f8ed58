"""The LM signal: prompts by priority within budget, batching, normalisation, refinement."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest

from reviewapp.importance import (
    DEFAULT_SETTINGS,
    GRAY,
    NORMAL,
    refine_with_lm,
    score_hunks_mechanical,
)
from reviewapp.importance.lm_signal import (
    PromptPart,
    build_requests,
    fit_parts,
    lm_signals,
    novel_mask,
)
from reviewapp.importance.views import build_views


class FakeEngine:
    """Surprisal 0.2 per token for span lines already in the prompt, 3.0 for unseen ones."""

    def __init__(self):
        self.requests = []

    def count_tokens(self, text: str) -> int:
        return len(text.split()) + text.count("\n")

    def score(self, requests):
        self.requests.extend(requests)
        out = []
        for r in requests:
            values = []
            for line in r.span.splitlines():
                seen = line[1:].strip() and line[1:].strip() in r.context
                values += [0.2 if seen else 3.0] * max(1, len(line.split()))
            out.append(values)
        return out


def words(text: str) -> int:
    return len(text.split()) + text.count("\n")


def test_fit_parts_keeps_priorities_within_budget_in_position_order():
    """High-priority parts survive, output follows positions, parts are never cut."""
    parts = [PromptPart(0, 1, "far away line\n"), PromptPart(1, 5, "near line\n"),
             PromptPart(2, 9, "the change\n")]
    assert fit_parts(parts, 6, words) == "near line\nthe change\n"
    assert fit_parts(parts, 100, words) == "far away line\nnear line\nthe change\n"
    assert fit_parts(parts, 2, words) == ""


def test_requests_put_removed_lines_in_context_and_added_lines_in_span(diff_of):
    """A replaced line is context; the added line is the scored span, in diff notation."""
    old = "def f(a):\n    x = 1\n    return a < x\n"
    new = "def f(a):\n    x = 1\n    return a <= x\n"
    view = build_views(diff_of({"f.py": (old, new)}))[0][0]
    [(context, span, replaced)] = build_requests(view, [view], words, 200, 50)
    assert replaced == ["    return a < x"]
    assert span == "+    return a <= x\n"
    assert context.endswith("-    return a < x\n")
    assert "+++ b/f.py" in context


def test_other_hunks_of_the_diff_are_in_the_prompt(diff_of):
    """An edit made elsewhere in the diff is shown, so a repeated edit becomes predictable."""
    a = "def a():\n    return old_call(1)\n"
    b = "def b():\n    return old_call(2)\n"
    diff = diff_of({"a.py": (a, a.replace("old_call(1)", "new_call(1)")),
                    "b.py": (b, b.replace("old_call(2)", "new_call(1)"))})
    views = [v for row in build_views(diff) for v in row]
    [(context, _, _)] = build_requests(views[1], views, words, 200, 50)
    assert "@@ a.py" in context and "+    return new_call(1)" in context


def test_budget_is_respected(diff_of):
    """Context plus span never exceeds the per-change budget."""
    old = "".join(f"line_{i} = {i}\n" for i in range(200))
    new = old.replace("line_150 = 150", "line_150 = -150")
    views = [v for row in build_views(diff_of({"m.py": (old, new)})) for v in row]
    for context, span, _ in build_requests(views[0], views, words, 40, 10):
        assert words(context) + words(span) <= 40


def test_signal_is_length_normalised(diff_of):
    """Mean surprisal per token: a long novel hunk and a short one score the same."""
    short_new = "def f():\n    return compute_value()\n"
    long_new = "def f():\n" + "".join(f"    step_{i}(alpha, beta)\n" for i in range(10)) \
        + "    return compute_value()\n"
    old = "def f():\n    return None\n"
    engine = FakeEngine()
    signals = []
    for new in (short_new, long_new):
        views = [v for row in build_views(diff_of({"f.py": (old, new)})) for v in row]
        [signal] = lm_signals(views, [True], engine, 200, 100)
        signals.append(signal)
    assert math.isclose(signals[0].mean, 3.0) and math.isclose(signals[1].mean, 3.0)


def test_novel_tokens_are_those_not_copied_from_the_replaced_line():
    """Only the tokens of the changed characters count as new."""
    span = "+    return a <= x\n"
    pieces = ["+", "    return", " a", " <=", " x", "\n"]
    mask = novel_mask(span, ["    return a < x"], pieces)
    assert mask == [False, False, False, True, False, False]
    assert novel_mask("+brand new\n", [], ["+", "brand", " new", "\n"]) == [True] * 4


def test_total_budget_shrinks_prompts_of_big_diffs(diff_of):
    """With a total token budget, each change's prompt gets at most its share."""
    old = "".join(f"value_{i} = {i}\n\n\n\n\n\n\n\n" for i in range(30))
    new = old.replace(" = 1", " = -1")
    views = [v for row in build_views(diff_of({"m.py": (old, new)})) for v in row]
    engine = FakeEngine()
    lm_signals(views, [True] * len(views), engine, 400, 100, total_tokens=60 * len(views))
    assert all(words(r.context) + words(r.span) <= 60 for r in engine.requests)


def test_refine_skips_exact_gray_hunks_and_reports_progress(diff_of):
    """Formatting-only hunks are not sent to the model; progress reaches the total."""
    old = "def f(a):\n    return g(a,1)\n" + "\n" * 8 + "def h(b):\n    return b < 3\n"
    new = "def f(a):\n    return g(a, 1)\n" + "\n" * 8 + "def h(b):\n    return b <= 3\n"
    diff = diff_of({"f.py": (old, new)})
    mechanical = score_hunks_mechanical(diff)
    engine = FakeEngine()
    progress = []
    settings = replace(DEFAULT_SETTINGS, lm_bias=-2.0, lm_novel=2.0, lm_mean=0.0, lm_peak=0.0,
                       key_from=0.8)
    refined = refine_with_lm(diff, mechanical, engine, settings=settings,
                             on_progress=lambda done, total: progress.append((done, total)))
    assert len(engine.requests) == 1 and "b <= 3" in engine.requests[0].span
    assert refined[0][0].tier == GRAY
    assert refined[0][1].tier == NORMAL and refined[0][1].detector == "lm"
    assert refined[0][1].importance > mechanical[0][1].importance
    assert progress[-1] == (1, 1)


def test_refine_rejects_scores_of_another_diff(diff_of):
    """Scores that do not match the diff's shape are refused with a clear error."""
    diff = diff_of({"f.py": ("a = 1\n", "a = 2\n")})
    with pytest.raises(ValueError, match="do not match"):
        refine_with_lm(diff, [], FakeEngine())


def test_refine_sends_only_hunks_no_detector_spoke_about(diff_of):
    """A comment-only hunk keeps its hint's importance and is not sent to the model."""
    tail = "\n" * 8 + "def h(b):\n    return b {} 3\n"
    old = "def f(a):\n    # add one\n    return a + 1\n" + tail.format("<")
    new = "def f(a):\n    # add one to a\n    return a + 1\n" + tail.format("<=")
    diff = diff_of({"f.py": (old, new)})
    mechanical = score_hunks_mechanical(diff)
    assert mechanical[0][0].detector == "docs"
    engine = FakeEngine()
    refined = refine_with_lm(diff, mechanical, engine)
    assert [r.span for r in engine.requests] == ["+    return b <= 3\n"]
    assert refined[0][0].importance == mechanical[0][0].importance
    assert refined[0][0].tier != GRAY and refined[0][1].detector == "lm"
