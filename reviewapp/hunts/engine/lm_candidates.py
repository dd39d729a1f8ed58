"""Stage 3: language-model rewrites of the most suspicious lines, through the inference engine.

Tried only when the cheaper stages found no patch and budget is left. The engine decodes
greedily, so the variety comes from the prompts: each line is asked for with the failing
test's output and without it. Each answer replaces exactly one line; answers that do not parse
or change nothing are dropped by the caller's AST deduplication.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from .candidates import LM, RepairCandidate
from .localize import SuspiciousLine, function_spans

log = logging.getLogger(__name__)

MAX_NEW_TOKENS = 48
PROMPT_TEMPLATE = (
    "<|im_start|>system\nYou fix bugs in Python code. Answer with the corrected line only."
    "<|im_end|>\n<|im_start|>user\n{context}```python\n{function}\n```\n"
    "This line is wrong:\n```python\n{line}\n```\nWrite the corrected line.<|im_end|>\n"
    "<|im_start|>assistant\n```python\n{indent}"
)


def _function_text(text: str, line: int) -> str:
    lines = text.splitlines()
    spans = [(end - start, start, end) for _, start, end in function_spans(text)
             if start <= line <= end]
    if not spans:
        return "\n".join(lines[max(0, line - 8):line + 4])
    _, start, end = min(spans)
    return "\n".join(lines[start - 1:end])


def default_generate(prompt: str) -> str:
    """Greedy text from the in-process engine (loads the default model once per process)."""
    from inference.engine import get_engine

    result = get_engine().generate_text(prompt, max_new_tokens=MAX_NEW_TOKENS, decoding="greedy",
                                        stop=["\n", "```"])
    return result.text


def lm_candidates(files: dict[str, str], suspicious: list[SuspiciousLine], failure_output: str,
                  top_lines: int = 3, generate: Callable[[str], str] = default_generate
                  ) -> list[RepairCandidate]:
    """One rewrite per (line, prompt variant) of the `top_lines` most suspicious lines."""
    out: list[RepairCandidate] = []
    failure = failure_output.strip()[-600:]
    for item in suspicious[:top_lines]:
        text = files.get(item.path)
        if text is None:
            continue
        lines = text.splitlines(keepends=True)
        old = lines[item.line - 1]
        indent = old[: len(old) - len(old.lstrip())]
        for context in ("", f"The tests fail:\n```\n{failure}\n```\n"):
            prompt = PROMPT_TEMPLATE.format(context=context,
                                            function=_function_text(text, item.line),
                                            line=old.rstrip("\n"), indent=indent)
            try:
                answer = generate(prompt).split("\n")[0].split("```")[0].rstrip()
            except Exception as exc:  # no model on this machine: the stage adds nothing
                log.warning("language-model candidates skipped: %s", exc)
                return out
            if not answer.strip():
                continue
            new_line = indent + answer.lstrip() + ("\n" if old.endswith("\n") else "")
            new_text = "".join(lines[: item.line - 1] + [new_line] + lines[item.line:])
            out.append(RepairCandidate(
                item.path, new_text, LM, "lm", item.line, item.score * 0.3,
                f"lm: {old.strip()[:60]} → {answer.strip()[:60]}"))
    return out
