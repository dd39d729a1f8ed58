"""Stage 3: language-model rewrites of the most suspicious lines, through the inference engine.

Tried only when the cheaper stages found no patch and budget is left. Two ways of asking:
- `answers`: the model writes the corrected line after a prompt with the function, the wrong
  line and (in a second variant) the failing test's output; greedy, so a small model mostly
  copies the wrong line back;
- `divergences`: the wrong line is fed to the model after the same prompt, and at the tokens
  where the model most prefers another token, that token starts a new line that the model then
  finishes greedily: the model is made to leave the wrong line exactly where it disagrees.
Each answer replaces exactly one line; answers that do not parse or change nothing are dropped
by the caller's AST deduplication.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from .candidates import LM, RepairCandidate
from .localize import SuspiciousLine, function_spans

log = logging.getLogger(__name__)

MAX_NEW_TOKENS = 48
DIVERGENCES = 4  # lines per suspicious line from `divergent_lines`
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


def default_diverge(prompt: str, line: str, alternatives: int) -> list[str]:
    """`divergent_lines` on the in-process engine."""
    from inference.engine import get_engine

    return divergent_lines(get_engine(), prompt, line, alternatives)


def divergent_lines(engine, prompt: str, line: str, alternatives: int = DIVERGENCES
                    ) -> list[str]:
    """Up to `alternatives` lines the model writes when it leaves `line` (without its
    indentation) where it most prefers another token: positions by the largest
    log p(best other token) - log p(line's token), each finished greedily to the line's end;
    distinct, and never `line` itself."""
    import torch

    from inference.prefix_cache import clone_cache

    encode = engine.tokenizer
    prompt_ids = list(encode(prompt, add_special_tokens=False)["input_ids"])
    line_ids = list(encode(line + "\n", add_special_tokens=False)["input_ids"])
    cache = engine.new_cache()
    logprobs = torch.log_softmax(
        engine.forward(prompt_ids + line_ids, cache, keep=len(line_ids) + 1)[:-1], dim=-1)
    gains = []
    for k, token in enumerate(line_ids):
        row = logprobs[k].clone()
        row[token] = -float("inf")
        other = int(row.argmax())
        gains.append((float(row[other] - logprobs[k, token]), k, other))
    out: list[str] = []
    # Another token can spell the same text (" for" for "for"): such branches come back as the
    # wrong line and are skipped, so a few more positions than `alternatives` are tried.
    for _, k, other in sorted(gains, reverse=True)[:3 * alternatives]:
        if len(out) == alternatives:
            break
        branch = clone_cache(cache, len(prompt_ids) + k)
        tokens, step = list(line_ids[:k]) + [other], [other]
        for _ in range(MAX_NEW_TOKENS):
            text = engine.decode(tokens)
            if "\n" in text or "```" in text:
                break
            step = [int(engine.forward(step, branch, keep=1)[-1].argmax())]
            tokens += step
        written = engine.decode(tokens).split("\n")[0].split("```")[0].strip()
        if written and written != line.strip() and written not in out:
            out.append(written)
    return out


def lm_candidates(files: dict[str, str], suspicious: list[SuspiciousLine], failure_output: str,
                  top_lines: int = 3, generate: Callable[[str], str] | None = default_generate,
                  diverge: Callable[[str, str, int], list[str]] | None = default_diverge,
                  alternatives: int = DIVERGENCES) -> list[RepairCandidate]:
    """Rewrites of the `top_lines` most suspicious lines: the model's answer per prompt variant
    (`generate`) and the lines where it leaves the wrong one (`diverge`); None skips a way."""
    out: list[RepairCandidate] = []
    failure = failure_output.strip()[-600:]
    for item in suspicious[:top_lines]:
        text = files.get(item.path)
        if text is None:
            continue
        lines = text.splitlines(keepends=True)
        old = lines[item.line - 1]
        indent = old[: len(old) - len(old.lstrip())]
        function = _function_text(text, item.line)
        prompts = [PROMPT_TEMPLATE.format(context=context, function=function,
                                          line=old.rstrip("\n"), indent=indent)
                   for context in ("", f"The tests fail:\n```\n{failure}\n```\n")]
        try:
            answers = [("lm", generate(prompt)) for prompt in prompts] if generate else []
            if diverge:
                answers += [("lm_divergence", line)
                            for line in diverge(prompts[-1], old.strip(), alternatives)]
        except Exception as exc:  # no model on this machine: the stage adds nothing
            log.warning("language-model candidates skipped: %s", exc)
            return out
        for kind, answer in answers:
            answer = answer.split("\n")[0].split("```")[0].rstrip()
            if not answer.strip():
                continue
            new_line = indent + answer.lstrip() + ("\n" if old.endswith("\n") else "")
            new_text = "".join(lines[: item.line - 1] + [new_line] + lines[item.line:])
            out.append(RepairCandidate(
                item.path, new_text, LM, kind, item.line, item.score * 0.3,
                f"{kind}: {old.strip()[:60]} → {answer.strip()[:60]}"))
    return out
