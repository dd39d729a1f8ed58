"""The LM signal with the real default model (slow: loads SmolLM2-135M once per session)."""

from __future__ import annotations

import math

import pytest

from reviewapp.importance import GRAY, refine_with_lm, score_hunks_mechanical
from reviewapp.importance.lm_signal import lm_signals
from reviewapp.importance.views import build_views

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def engine():
    from inference.engine import get_engine

    return get_engine()  # process-wide: every slow test shares the one loaded model


def _module(name: str) -> str:
    return (f'"""The {name} module."""\nimport logging\n\nlog = logging.getLogger(__name__)\n\n\n'
            f"def {name}_step(value):\n    log.warn('starting {name}')\n    return value + 1\n")


def test_an_edit_seen_elsewhere_in_the_diff_is_less_surprising_than_new_logic(diff_of, engine):
    """`log.warn → log.warning` repeated across files is predictable from the other hunks;
    a new condition in the last file is not."""
    files = {f"{n}.py": (_module(n), _module(n).replace("log.warn(", "log.warning("))
             for n in ("alpha", "beta", "gamma")}
    old = _module("delta")
    files["delta.py"] = (old, old.replace(
        "    return value + 1\n",
        "    if value is None or value > LIMIT:\n        raise OverflowError(value)\n"
        "    return value + 1\n"))
    views = [v for row in build_views(diff_of(files)) for v in row]
    signals = lm_signals(views, [True] * len(views), engine, 256, 64)
    repeated, novel = signals[2].mean, signals[3].mean
    assert math.isfinite(repeated) and math.isfinite(novel)
    assert repeated < novel


def test_refine_with_the_real_engine_keeps_shape_and_exact_grays(diff_of, engine):
    """End to end: the formatting hunk stays gray, the logic hunk gets a model surprisal."""
    old = "def f(a):\n    return g(a,1)\n" + "\n" * 8 + "def h(b):\n    return b < 3\n"
    new = "def f(a):\n    return g(a, 1)\n" + "\n" * 8 + "def h(b):\n    return b <= 3\n"
    diff = diff_of({"f.py": (old, new)})
    refined = refine_with_lm(diff, score_hunks_mechanical(diff), engine)
    assert refined[0][0].tier == GRAY
    assert refined[0][1].detector == "lm" and refined[0][1].details["surprisal"] > 0
    assert 0.0 <= refined[0][1].importance <= 1.0
