"""Plain-words messages and severities for findings."""

from __future__ import annotations

#: What a bug of each kind usually does when the code runs (refined by `effect`).
_EFFECTS = {
    "comparison": "wrong result", "off_by_one": "wrong result", "arithmetic": "wrong result",
    "boolean": "wrong result", "negation": "wrong result", "swapped_arguments": "wrong result",
    "return_variable": "wrong result", "variable_misuse": "wrong result",
    "literal": "wrong result", "attribute": "exception", "swapped_branches": "wrong result",
    "dropped_return": "wrong result", "dropped_increment": "hang", "dropped_guard": "exception",
}
_CONSEQUENCE = {
    "exception": "it would raise at run time",
    "hang": "the loop would never end",
    "wrong result": "it would silently compute a wrong result",
    "trivia": "it only affects a message or log line",
}
_LOGGING = ("log.", "logger.", "logging.", "print(", "warnings.warn(", ".debug(", ".info(",
            ".warning(")


def effect(kind: str, original: str, replacement: str, line: str) -> str:
    """What the bug would do: `exception`, `hang`, `wrong result` or `trivia` (ruled)."""
    stripped = line.strip()
    if stripped.startswith(("raise ", "assert ")) or any(m in stripped for m in _LOGGING):
        return "trivia"  # only what an error or a log message says changes
    if kind == "off_by_one" and f"[{original}]" in line.replace(" ", ""):
        return "exception"  # an index one past the end raises IndexError
    if kind == "literal" and original == "None":
        return "exception"  # None where a container is used raises TypeError/AttributeError
    return _EFFECTS.get(kind, "wrong result")


def _short(text: str, limit: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def describe(kind: str, original: str, replacement: str) -> str:
    """What is probably wrong and why, in one sentence."""
    o, r = _short(original), _short(replacement)
    if kind == "comparison":
        return f"`{o}` may be `{r}`: the comparison looks inverted or wrong at its boundary"
    if kind == "off_by_one":
        return f"`{o}` may be `{r}`: this index or bound looks off by one"
    if kind == "arithmetic":
        return f"`{o}` may be `{r}`: the arithmetic operator looks wrong here"
    if kind == "boolean":
        return f"`{o}` may be `{r}`: the condition probably combines its parts the other way"
    if kind == "negation":
        if replacement:
            return "a `not` seems to be missing: the condition looks inverted"
        return "this `not` looks wrong: the condition seems inverted"
    if kind == "swapped_arguments":
        return f"the arguments look swapped: `{o}` may be `{r}`"
    if kind == "variable_misuse":
        return f"`{o}` may be `{r}`: another variable in scope fits here better"
    if kind == "return_variable":
        return f"returns `{o}`, but `{r}` looks like the intended result"
    if kind == "literal":
        return f"`{o}` may be `{r}`: the literal looks wrong here"
    if kind == "attribute":
        return f"`.{o}` may be `.{r}`: another attribute of the same object fits better"
    if kind == "swapped_branches":
        return "the branches look swapped: the condition seems to pick the wrong one"
    if kind == "dropped_return":
        if replacement:
            return "this value is computed but never used: a `return` seems to be missing"
        return "this `return` looks wrong here"
    if kind == "dropped_increment":
        if replacement:
            return f"the loop may never end: `{_short(replacement)}` seems missing from its body"
        return "this loop-variable update looks wrong"
    if kind == "dropped_guard":
        if replacement:
            first = replacement.strip().splitlines()[0]
            return f"a guard seems to be missing before this statement: `{_short(first)}`"
        return "this early exit looks wrong here"
    return f"`{o}` may be `{r}`"


def consequence(effect_name: str) -> str:
    """The effect in plain words, to end a finding's message."""
    return _CONSEQUENCE[effect_name]


#: Below this chance of being right a finding is a hint, whatever it would do: on real code
#: the learned detector's findings are right about one time in twenty (MODEL_CARD.md).
UNLIKELY = 0.25


def severity(effect_name: str, probability: float) -> str:
    """`high`, `medium` or `low`: how consequential the bug would be, and how likely it is."""
    if effect_name == "trivia" or probability < UNLIKELY:
        return "low"
    if effect_name in ("exception", "hang") or probability >= 0.8:
        return "high"
    return "medium"
