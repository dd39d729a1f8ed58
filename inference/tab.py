"""Tab: predict the next edit and where it goes from the file, the cursor and recent edits.

First the recent edits (newest first) are generalised into rules (`inference.tab_patterns`,
structural repeats in `inference.tab_analogy`, changes inside text in `inference.tab_text`,
import changes in `inference.tab_imports`, moves finished in `inference.tab_moves` and
`inference.tab_deferred`, new names passed on in `inference.tab_params`): a rename or
signature change made once is made again at the next place it applies, which may be far from
the cursor;
`inference.tab_confidence` decides which suggestions are shown. When no rule applies, the model
rewrites the lines around the cursor (speculatively, drafting from those lines) and the first
difference is the suggestion.

Each answer carries the suggestion after it (``next``): the file with the edit accepted is
predicted at once, so accepting one suggestion shows the next without another model call.
Predictions are remembered per file content, so the request that follows an accepted
suggestion is answered from memory.
"""

from __future__ import annotations

import difflib
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from inference.apply import parses
from inference.edit_history import HunkEdit, LineEdit, apply_edit, parse_history
from inference.engine import BASE_MODEL, TAB_ADAPTER, InvalidRequest, request_adapter
from inference.tab_analogy import AnalogyRule, analogy_rule, repeats
from inference.tab_confidence import (
    NEAR_LINES,
    analogy_is_confident,
    model_edit_is_supported,
    pattern_is_confident,
    renames_a_twin,
    renames_binding,
    renames_definition,
    text_is_confident,
    undoes,
)
from inference.tab_copyright import copyright_rule
from inference.tab_decorators import NEAR_LINES as DECORATOR_NEAR
from inference.tab_decorators import decorator_rule
from inference.tab_deferred import DeferredRule, deferred_rule
from inference.tab_imports import import_rule
from inference.tab_joins import join_rule
from inference.tab_moves import MoveRule, move_rule
from inference.tab_params import pass_on_rule, store_rule
from inference.tab_patterns import (
    ArgumentsRule,
    LineRule,
    ReplaceRule,
    Rule,
    StripRule,
    prose_lines,
    remakes_a_line,
    rules_from_edit,
    search_rank,
)
from inference.tab_runs import grow_run
from inference.tab_signatures import dropped_argument_rule, sibling_parameters_rule
from inference.tab_text import text_rule
from inference.tab_versions import version_rule

if TYPE_CHECKING:
    from inference.engine import Engine

__all__ = ["ADAPTER_PROMPT_BUDGET", "RewriteRequest", "TabPredictor", "TabSuggestion",
           "edit_as_hunk", "model_rewrite", "model_window", "rewrite_request", "tab_prompt"]

#: Recent edits (newest first) whose patterns are tried.
PATTERN_EDITS = 3
#: A whitespace clean-up among this many newest edits is carried on (trained on train/dev:
#: taught by the newest or the one before, the next stripped run was right 7 times in 12).
STRIP_EDITS = 2
#: ... within this many lines of the cursor (on train/dev, the next stripped run was right
#: 4-23 lines away and wrong, or where nothing should change, 51 or more).
STRIP_NEAR = 40
#: A line moved by one of this many newest edits has its old copy deleted next.
MOVE_EDITS = 1
#: A name introduced by the newest edit is passed on (older: the user has moved on).
PASS_ON_EDITS = 1
#: Lines above and below the cursor the model sees and may rewrite.
MODEL_WINDOW = 6
#: A model suggestion touching more lines than this is more likely noise than an edit.
MODEL_MAX_CHANGED_LINES = 4
#: Tokens for the model's Tab prompt (the file and history are trimmed by priority to fit).
PROMPT_BUDGET = 1024
#: Tokens for the prompt the Tab adapter was trained on (`inference.finetune`, task "tab"):
#: shorter, so a fine-tune fits a CPU, and the same at training and serving time.
ADAPTER_PROMPT_BUDGET = 384
MEMORY_ENTRIES = 64


@dataclass(frozen=True)
class TabSuggestion:
    """A predicted edit (None: nothing to change), how it was found, and the one after it."""

    edit: LineEdit | None
    source: Literal["pattern", "model", "none"]
    rule: str | None = None
    next: LineEdit | None = None

    def to_json(self) -> dict:
        """The DESIGN answer ``{"edit": ...}`` plus how it was found and the next edit."""
        return {"edit": self.edit.to_json() if self.edit else None, "source": self.source,
                "rule": self.rule, "next": self.next.to_json() if self.next else None}


def edit_as_hunk(text: str, edit: LineEdit) -> HunkEdit:
    """The history entry an accepted ``edit`` on ``text`` adds."""
    lines = text.splitlines()
    start = edit.start_line - 1
    return HunkEdit(
        old_start=edit.start_line, new_start=edit.start_line,
        removed=tuple(lines[start:edit.end_line]), added=tuple(edit.new_text.splitlines()),
        before=tuple(lines[max(start - 3, 0):start]),
        after=tuple(lines[edit.end_line:edit.end_line + 3]))


class TabPredictor:
    """Predicts next edits; ``engine=None`` uses patterns only, ``use_patterns=False`` the
    model only."""

    def __init__(self, engine: Engine | None = None, *, use_model: bool = True,
                 use_patterns: bool = True, adapter: str | None = "tab") -> None:
        self.engine = engine
        self.use_model = use_model and engine is not None
        self.use_patterns = use_patterns
        #: the LoRA adapter the model stage decodes with when the engine has it loaded
        #: (`inference.engine.TAB_ADAPTER`) and the request does not choose; None: the base
        #: model unless the request names the adapter
        self.adapter = adapter
        self._memory: OrderedDict[str, TabSuggestion] = OrderedDict()
        self._lock = threading.Lock()

    def predict(self, text: str, cursor_line: int, history: str,
                adapter: str | None = None) -> TabSuggestion:
        """The next edit of ``text`` given the cursor (1-based) and the history diff.

        ``adapter`` chooses the model stage's weights for this request: None keeps the
        predictor's (``self.adapter`` when the engine has it loaded), ``"none"`` is the base
        model, ``"tab"`` Tab's adapter, which the engine must have loaded (else
        `inference.engine.InvalidRequest`, as for any other name).
        """
        if adapter is not None:  # checked now: a bad name is refused even if a pattern answers
            self._chosen_adapter(adapter)
        key = _digest("request", str(cursor_line), history, text, adapter or "")
        remembered = self._recall(key) or self._recall(_digest("accepted", text))
        if remembered is not None:
            return remembered
        edits = parse_history(history)
        suggestion = self._predict(text, cursor_line, edits, history, adapter)
        if suggestion.edit is not None:
            # Precompute the suggestion for the file with this one accepted.
            after = apply_edit(text, suggestion.edit)
            later = edits + [edit_as_hunk(text, suggestion.edit)]
            following = self._from_patterns(after, suggestion.edit.start_line, later)
            suggestion = TabSuggestion(suggestion.edit, suggestion.source, suggestion.rule,
                                       following.edit)
            if following.edit is not None:
                after_next = apply_edit(after, following.edit)
                chained = self._from_patterns(after_next, following.edit.start_line,
                                              later + [edit_as_hunk(after, following.edit)])
                self._remember(_digest("accepted", after), TabSuggestion(
                    following.edit, following.source, following.rule, chained.edit))
        self._remember(key, suggestion)
        return suggestion

    def _recall(self, key: str) -> TabSuggestion | None:
        with self._lock:
            if key in self._memory:
                self._memory.move_to_end(key)
                return self._memory[key]
        return None

    def _remember(self, key: str, suggestion: TabSuggestion) -> None:
        with self._lock:
            self._memory[key] = suggestion
            while len(self._memory) > MEMORY_ENTRIES:
                self._memory.popitem(last=False)

    def _chosen_adapter(self, requested: str | None) -> str | None:
        """The adapter the model stage decodes with for a request (None: the base model)."""
        if requested not in (None, BASE_MODEL) and not self.use_model:
            raise InvalidRequest(f"adapter {requested!r} was asked for, but this Tab runs "
                                 "without a model")
        return request_adapter(self.engine, requested, task_adapter=TAB_ADAPTER,
                               default=self.adapter)

    def _predict(self, text: str, cursor_line: int, edits: list[HunkEdit],
                 history: str, adapter: str | None = None) -> TabSuggestion:
        found = (self._from_patterns(text, cursor_line, edits) if self.use_patterns
                 else TabSuggestion(None, "none"))
        if found.edit is not None or found.rule is not None or not self.use_model:
            return found  # a suggestion, or a pattern Tab was unsure of: the model is no surer
        return self._from_model(text, cursor_line, history, edits, adapter)

    @staticmethod
    def _from_patterns(text: str, cursor_line: int, edits: list[HunkEdit]) -> TabSuggestion:
        """The nearest confident pattern suggestion; an abstention names the rule it passed
        over (``edit`` None, ``rule`` set)."""
        lines = text.splitlines()
        if not lines:
            return TabSuggestion(None, "none")
        written = frozenset(line.rstrip() for edit in edits for line in edit.added)
        skip = prose_lines(text)
        parsed: bool | None = None  # whether the file parses, read once a suggestion needs it
        best: tuple[tuple[int, bool], LineEdit, Rule] | None = None
        # The rules a suggestion may grow by (`grow_run`): the confident ones and all the newest
        # edit's (next to a confident suggestion, a line the newest edit's rule rewrites is
        # part of the same change, however far from the cursor).
        sure: list[Rule] = []
        passed_over: str | None = None
        # The nearest place any recent edit's rule applies (newest edit first on a tie): the
        # next edit is usually the next place in reading order, whichever edit taught it.
        for age, edit in enumerate(reversed(edits)):
            for rule, found, confident in _candidates(lines, cursor_line, edits, edit, age,
                                                      written, skip):
                # Whichever rule proposes it, an undo is not the next edit; a move's old copy
                # reads like one (its text is what the edit added) but the new copy stays, and
                # a deleted statement written again elsewhere is moved, not put back.
                if not isinstance(rule, MoveRule | DeferredRule) and undoes(
                        lines[found.start_line - 1:found.end_line], found.new_text.splitlines(),
                        edits):
                    continue
                # Nor is a second definition of a name renamed as the first was (a duplicate
                # told apart: the other keeps its name).
                if found.start_line == found.end_line and renames_a_twin(
                        lines, found.start_line - 1, found.new_text, edits):
                    continue
                if confident or age == 0:
                    sure.append(rule)
                if not confident:
                    # A passed-over analogy does not silence the model: most edits have lines
                    # of their shape somewhere, so its abstention says little.
                    if not isinstance(rule, AnalogyRule):
                        passed_over = passed_over or type(rule).__name__
                    continue
                # On one line, a rule that remakes a whole changed line of its edit comes
                # before one that remakes only part of it (`key` → `key: str` taught by a
                # line that also annotated `pre_run`).
                rank = (search_rank(len(lines), cursor_line - 1, found.start_line - 1),
                        not remakes_a_line(rule, edit))
                if best is not None and rank >= best[0]:
                    continue
                if parsed is None:
                    parsed = parses(text)
                if parsed and not parses(apply_edit(text, found)):
                    continue  # `from a from b import c`: a rule carried where it makes no sense
                best = (rank, found, rule)
        if best is None:
            return TabSuggestion(None, "none", passed_over)
        _, found, rule = best
        grown = grow_run([rule, *sure], lines, found, written, skip)
        if grown is not found and parsed and not parses(apply_edit(text, grown)):
            grown = found
        return TabSuggestion(grown, "pattern", type(rule).__name__)

    def _from_model(self, text: str, cursor_line: int, history: str,
                    edits: list[HunkEdit], adapter: str | None = None) -> TabSuggestion:
        """The model stage, with the request's ``adapter`` (see `predict`)."""
        from inference.prompt import PromptBudgetExceeded

        assert self.engine is not None
        try:
            edit = model_rewrite(self.engine, text, cursor_line, history,
                                 self._chosen_adapter(adapter))
        except PromptBudgetExceeded:
            return TabSuggestion(None, "none")  # lines too long to rewrite within the budget
        if edit is not None and parses(text) and not parses(apply_edit(text, edit)):
            edit = None  # a suggestion that breaks a file that parsed is noise
        lines = text.splitlines()
        if edit is not None and not model_edit_is_supported(
                lines[edit.start_line - 1:edit.end_line], edit.new_text.splitlines(), edits):
            edit = None  # nothing ties it to the recent edits: more likely noise than intent
        return TabSuggestion(edit, "model" if edit else "none")


@dataclass(frozen=True)
class RewriteRequest:
    """What the model stage asks of the model: write ``window`` (the file's lines from 0-based
    ``low``) out again after ``prompt``, drafting from those lines."""

    low: int
    window: list[str]
    prompt: str
    max_new_tokens: int
    adapter: str | None

    @property
    def shown(self) -> str:
        """The window as the prompt shows it (and the speculative draft)."""
        return "".join(line + "\n" for line in self.window)


def rewrite_request(engine: Engine, text: str, cursor_line: int, history: str,
                    adapter: str | None) -> RewriteRequest | None:
    """The model stage's request for the lines around the cursor (None: no lines there).
    Raises `inference.prompt.PromptBudgetExceeded` when those lines alone overflow the
    prompt."""
    low, window = model_window(text.splitlines(), cursor_line)
    if not window:
        return None
    shown = "".join(line + "\n" for line in window)
    # The adapter was trained on prompts of its own (shorter) budget: serve it the same.
    budget = ADAPTER_PROMPT_BUDGET if adapter else PROMPT_BUDGET
    prompt = tab_prompt(engine, text, cursor_line, history, shown, budget)
    return RewriteRequest(low, window, prompt, engine.count_tokens(shown) + 48, adapter)


def model_rewrite(engine: Engine, text: str, cursor_line: int, history: str,
                  adapter: str | None) -> LineEdit | None:
    """The model stage's raw answer, before Tab's checks: the first change the model makes
    when it rewrites the lines around the cursor (with ``adapter``, or the base model when
    None). Raises `inference.prompt.PromptBudgetExceeded` when those lines alone overflow
    the prompt."""
    request = rewrite_request(engine, text, cursor_line, history, adapter)
    if request is None:
        return None
    result = engine.generate_text(request.prompt, max_new_tokens=request.max_new_tokens,
                                  draft=request.shown, stop=["```"], adapter=adapter)
    return _first_change(request.window, result.text.splitlines(), request.low,
                         finished=result.finish_reason != "length")


def model_window(lines: list[str], cursor_line: int) -> tuple[int, list[str]]:
    """The lines the model stage may rewrite around ``cursor_line`` (1-based), and the 0-based
    index of the first."""
    low = max(cursor_line - 1 - MODEL_WINDOW, 0)
    return low, lines[low:min(cursor_line + MODEL_WINDOW, len(lines))]


def tab_prompt(engine: Engine, text: str, cursor_line: int, history: str, shown: str,
               budget: int = PROMPT_BUDGET) -> str:
    """The model stage's prompt, priority-rendered: the lines to rewrite (``shown``) always;
    the newest edits and the code nearest the cursor next; older edits and distant code only
    while ``budget`` tokens last. The answer opens with a code fence."""
    from inference.apply import chat_prompt
    from inference.prompt import REQUIRED, Part, around_line, render

    history = history if history.endswith("\n") or not history else history + "\n"
    newest = max(len(history.splitlines()) - 1, 0)
    tree = Part(priority=REQUIRED, children=[
        Part("The file I am editing:\n```\n"),
        around_line(text, cursor_line - 1, priority=40, falloff=1.0, elision="...\n",
                    name="file"),
        Part("```\n\nMy latest edits, oldest first:\n```diff\n"),
        around_line(history, newest, priority=45, falloff=0.5, elision="...\n",
                    name="history"),
        Part("```\n\nContinue the same kind of change in these lines and write them out "
             "again in full:\n```\n" + shown + "```"),
    ])
    rendered = render(tree, budget=budget, count_tokens=engine.count_tokens)
    return chat_prompt(engine, rendered.text, "```\n", system=None)


def _candidates(lines: list[str], cursor_line: int, edits: list[HunkEdit], edit: HunkEdit,
                age: int, written: frozenset[str],
                skip: frozenset[int]) -> Iterator[tuple[Rule, LineEdit, bool]]:
    """Each rule ``edit`` teaches (``age`` edits before the newest), the next place it applies
    and whether that suggestion is confident enough to show. Edits older than the newest
    ``PATTERN_EDITS`` teach only their import changes (an import binds for the whole file)."""
    imported = import_rule(edit, lines)
    found = imported.next_edit(lines, cursor_line - 1, written) if imported else None
    if imported is not None and found is not None:
        yield imported, found, True
    passed = pass_on_rule(edit, lines)
    found = passed.next_edit(lines, cursor_line - 1, written, skip) if passed else None
    if passed is not None and found is not None:
        yield passed, found, age < PASS_ON_EDITS
    if placed := _placed(store_rule(edit, lines), lines, cursor_line, written, skip):
        yield *placed, age < PASS_ON_EDITS
    if placed := _placed(dropped_argument_rule(edit), lines, cursor_line, written, skip):
        yield *placed, True  # a signature binds every call, however far, as an import does
    if age >= PATTERN_EDITS:
        return
    if placed := _placed(copyright_rule(edit), lines, cursor_line, written):
        yield *placed, True  # a project's notices are bumped together, in any file
    moved = move_rule(edit, lines)
    found = moved.next_edit(lines, cursor_line - 1, written) if moved else None
    if moved is not None and found is not None:
        yield moved, found, age < MOVE_EDITS
    if placed := _placed(deferred_rule(edit, lines, edits), lines, cursor_line, written):
        yield *placed, age < MOVE_EDITS
    # Code patterns stay out of comments and docstrings; prose edits stay in prose.
    avoid = frozenset() if _taught_on_prose(edit, lines, skip) else skip
    for rule in rules_from_edit(edit):
        found = rule.next_edit(lines, cursor_line - 1, written, avoid)
        if found is None:
            continue
        if isinstance(rule, StripRule):  # a clean-up of this file, where the user works
            yield rule, found, (age <= STRIP_EDITS - 1 and edit.stands_in(lines)
                                and abs(found.start_line - cursor_line) < STRIP_NEAR)
            continue
        target = min(found.start_line, len(lines)) - 1
        renamed = isinstance(rule, ReplaceRule) and (
            renames_definition(rule.pairs, edits)
            or renames_binding(rule.pairs, edit, lines, target))
        yield rule, found, pattern_is_confident(
            whole_lines=isinstance(rule, LineRule),
            age=0 if age and _repeated(rule, edits, edit) else age, taught=edit,
            target=lines[target], distance=abs(target + 1 - cursor_line),
            renamed_definition=renamed)
    if placed := _placed(decorator_rule(edit, lines), lines, cursor_line, written, skip):
        yield *placed, age == 0 and abs(placed[1].start_line - cursor_line) < DECORATOR_NEAR
    if placed := _placed(version_rule(edit), lines, cursor_line, written):
        yield *placed, age == 0
    if placed := _placed(sibling_parameters_rule(edit), lines, cursor_line, written, skip):
        yield *placed, age == 0
    if placed := _placed(join_rule(edit), lines, cursor_line, written, skip):
        yield *placed, age == 0 and abs(placed[1].start_line - cursor_line) < NEAR_LINES
    text = text_rule(edit)
    found = text.next_edit(lines, cursor_line - 1, written) if text else None
    if text is not None and found is not None:  # text rules apply in prose and code alike
        yield text, found, text_is_confident(age=age, taught=edit,
                                             target=lines[found.start_line - 1])
    analogy = analogy_rule(edit.removed, edit.added)
    found = analogy.next_edit(lines, cursor_line - 1, written, avoid) if analogy else None
    if analogy is not None and found is not None:
        # Only from an edit of this file whose lines still stand: a shape made twice in one
        # file says little about another file's lines of that shape.
        yield analogy, found, edit.stands_in(lines) and analogy_is_confident(
            age=age, similarity=analogy.similarity(lines, found.start_line - 1),
            repeats=repeats(analogy, edits, edit), distance=abs(found.start_line - cursor_line))


def _placed(rule: Rule | None, lines: list[str], cursor_line: int, written: frozenset[str],
            skip: frozenset[int] = frozenset()) -> tuple[Rule, LineEdit] | None:
    """``rule`` and the next place it applies from the cursor, or None (no rule, no place)."""
    found = rule.next_edit(lines, cursor_line - 1, written, skip) if rule else None
    return (rule, found) if rule is not None and found is not None else None


def _taught_on_prose(edit: HunkEdit, lines: list[str], prose: frozenset[int]) -> bool:
    """Whether ``edit`` was made in a comment or docstring: read from the file when its lines
    are there (an edit of this file), else from how its first line opens."""
    if edit.stands_in(lines):
        start = edit.new_start - 1
        return all(n in prose for n in range(start, start + len(edit.added)))
    first = next((line.strip() for line in edit.removed + edit.added if line.strip()), "")
    return first.startswith(("#", '"""', "'''"))


def _repeated(rule: Rule, edits: list[HunkEdit], taught: HunkEdit) -> bool:
    """Whether ``rule`` (a token rule) also made another of the recent edits: a change made
    twice is being carried through the code, whichever edit came last."""
    if not isinstance(rule, ReplaceRule | ArgumentsRule):
        return False
    for edit in edits:
        if edit is taught or len(edit.removed) != len(edit.added):
            continue
        for number, (old, new) in enumerate(zip(edit.removed, edit.added, strict=True)):
            if old != new:
                made = rule.edit_at(edit.removed, number)
                if made is not None and made.new_text == new + "\n":
                    return True
    return False


def _digest(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def _first_change(window: list[str], rewritten: list[str], offset: int,
                  finished: bool) -> LineEdit | None:
    """The first differing run between the window and its rewrite, as a file edit."""
    if not finished:
        # A rewrite cut off by the token budget says nothing about the lines it did not reach.
        window = window[:len(rewritten)]
    matcher = difflib.SequenceMatcher(None, window, rewritten, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        if tag == "delete" and i2 == len(window):
            return None  # the model stopped early; not an edit
        if max(i2 - i1, j2 - j1) > MODEL_MAX_CHANGED_LINES:
            return None
        new_text = "".join(line + "\n" for line in rewritten[j1:j2])
        return LineEdit(offset + i1 + 1, offset + i2, new_text)
    return None
