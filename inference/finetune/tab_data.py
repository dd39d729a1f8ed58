"""Training examples for Tab's fine-tune, made from the real edit sequences of the Tab
benchmark (``benchmarks/data/tab_real.jsonl.gz``, ``train`` split only; ``dev`` checks it,
``test`` is never read here).

An example is one benchmark case (file, cursor line, recent edits) as the model stage sees it:
the prompt is the product's own (`inference.tab.tab_prompt` at the adapter's budget) and the
answer is what the model path parses, the lines around the cursor written out again in full
(`inference.tab.model_window`), with the expected next edit made in them. Where nothing should
change (no-edit, reversal-trap and untouched-file cases) the answer is those lines unchanged:
the "no edit" answer. Edit cases whose edit lies outside the window, or changes more lines
than the model path accepts, are left out: the model stage could not give that answer.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass

from inference.tab import MODEL_MAX_CHANGED_LINES, model_window

__all__ = ["TabExample", "build_tab_examples", "tab_example"]


@dataclass(frozen=True)
class TabExample:
    """One Tab case: the model stage's input and the window it should write (``answer``)."""

    case_id: str
    kind: str  #: "edit" or a kind where nothing should change
    file: str
    cursor_line: int
    history: str
    shown: str  #: the window as the prompt shows it
    answer: str  #: the window with the expected edit made ("no edit": equal to ``shown``)


def tab_example(case: dict) -> TabExample | None:
    """The example of one benchmark case, or None when the model stage cannot answer it."""
    lines = case["file"].splitlines()
    low, window = model_window(lines, case["cursor_line"])
    if not window:
        return None
    shown = "".join(line + "\n" for line in window)
    expected = case["expected"]
    if expected is None:
        return TabExample(case["id"], case["kind"], case["file"], case["cursor_line"],
                          case["history"], shown, shown)
    start, end = expected["start_line"] - 1, expected["end_line"]  # 0-based, end exclusive
    new = expected["new_text"].splitlines()
    if start < low or end > low + len(window) or max(end - start, len(new)) > \
            MODEL_MAX_CHANGED_LINES:
        return None
    rewritten = window[:start - low] + new + window[end - low:]
    return TabExample(case["id"], case["kind"], case["file"], case["cursor_line"],
                      case["history"], shown, "".join(line + "\n" for line in rewritten))


def build_tab_examples(split: str, seed: int, null_ratio: float = 1.0) -> Iterator[TabExample]:
    """Examples of ``split`` (never ``test``): every edit case the model stage can answer and
    ``null_ratio`` times as many cases where nothing should change, shuffled per ``seed``."""
    from benchmarks.tab_real_data import load_sequences, steps

    if split == "test":
        raise ValueError("the test split is held out: never train or tune on it")
    cases = [case for sequence in load_sequences(split=split) for case in steps(sequence)]
    made = [example for example in map(tab_example, cases) if example is not None]
    edits = [e for e in made if e.kind == "edit"]
    nulls = [e for e in made if e.kind != "edit"]
    rng = random.Random(seed)
    rng.shuffle(nulls)
    chosen = edits + nulls[:round(null_ratio * len(edits))]
    rng.shuffle(chosen)
    yield from chosen
