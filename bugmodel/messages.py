"""Plain-words messages and severities for findings."""

from __future__ import annotations

# Kinds whose bugs usually change control flow or results silently.
_SERIOUS = frozenset({
    "comparison", "off_by_one", "boolean", "negation", "variable_misuse", "return_variable",
    "swapped_branches", "dropped_return", "dropped_increment", "dropped_guard",
})


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


def severity(kind: str, probability: float) -> str:
    """`high`, `medium` or `low`: how confident and how consequential the finding is."""
    if probability >= 0.8 and kind in _SERIOUS:
        return "high"
    if probability >= 0.65 or kind in _SERIOUS:
        return "medium"
    return "low"
