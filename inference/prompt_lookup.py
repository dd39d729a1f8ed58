"""The ``prompt-lookup`` decoding: Hugging Face ``generate(prompt_lookup_num_tokens=...)``.

Kept as a baseline for speculative edits (same model, same prompt, same greedy output). HF's
``generate`` is a blocking call, so it runs in a worker thread holding the engine lock and
hands tokens over a queue; closing the consumer sets a flag that a stopping criterion reads.

It does not use the prefix cache: given a cache holding part of the prompt, HF's assisted
generation (transformers 5.23) accepted drafts plain greedy rejects (seen on the tiny test
model), so it always processes the whole prompt.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from inference.textstream import TextStream, emit_tokens

if TYPE_CHECKING:
    from inference.engine import Engine, Generation

__all__ = ["hf_prompt_lookup"]

_DONE = object()


def hf_prompt_lookup(
    engine: Engine,
    generation: Generation,
    tokens: list[int],
    max_new_tokens: int,
    stop: Sequence[str],
    started: float,
    num_tokens: int | None = None,
    adapter: str | None = None,
) -> Iterator[str]:
    """Yield text pieces of HF prompt-lookup decoding; sets ``generation.result`` at the end."""
    import torch
    from transformers import StoppingCriteria, StoppingCriteriaList
    from transformers.generation.streamers import BaseStreamer

    from inference.engine import PROMPT_LOOKUP_TOKENS, GenerationResult, Timings

    handoff: queue.Queue[Any] = queue.Queue()
    cancel = threading.Event()

    class QueueStreamer(BaseStreamer):
        def __init__(self) -> None:
            self.prompt_seen = False

        def put(self, value: torch.Tensor) -> None:
            if not self.prompt_seen:  # generate() first echoes the prompt
                self.prompt_seen = True
                return
            handoff.put(value.reshape(-1).tolist())

        def end(self) -> None:
            pass

    class Cancelled(StoppingCriteria):
        def __call__(self, input_ids: torch.Tensor, scores: Any, **kw: Any) -> torch.Tensor:
            return torch.full((input_ids.shape[0],), cancel.is_set(), device=input_ids.device)

    timings = Timings(prompt_tokens=len(tokens))
    passes = [0]

    def count_pass(*_: Any) -> None:
        passes[0] += 1

    def run() -> None:
        try:
            with engine.using(adapter) as model, torch.inference_mode():
                ids = torch.tensor([tokens], dtype=torch.long, device=engine.device)
                hook = model.register_forward_hook(count_pass)
                try:
                    model.generate(
                        input_ids=ids,
                        attention_mask=torch.ones_like(ids),
                        max_new_tokens=max_new_tokens,
                        do_sample=False,
                        prompt_lookup_num_tokens=num_tokens or PROMPT_LOOKUP_TOKENS,
                        eos_token_id=sorted(engine.eos_token_ids),
                        pad_token_id=min(engine.eos_token_ids, default=0),
                        streamer=QueueStreamer(),
                        stopping_criteria=StoppingCriteriaList([Cancelled()]),
                    )
                finally:
                    hook.remove()
        except BaseException as exc:  # handed to the consumer, which re-raises it
            handoff.put(exc)
        finally:
            handoff.put(_DONE)

    worker = threading.Thread(target=run, name="prompt-lookup", daemon=True)
    stream = TextStream(engine.tokenizer, stop)
    out: list[int] = []
    finish = "cancelled"
    worker.start()
    try:
        while True:
            item = handoff.get()
            if item is _DONE:
                finish = "length" if len(out) >= max_new_tokens else "eos"
                tail = stream.finish()
                if tail:
                    yield tail
                return
            if isinstance(item, BaseException):
                raise item
            if not timings.time_to_first_token_s:
                timings.time_to_first_token_s = time.perf_counter() - started
            text, done = emit_tokens(stream, item, out, engine.eos_token_ids, max_new_tokens)
            if text:
                yield text
            if done:
                finish = done
                return
    finally:
        cancel.set()
        worker.join()  # at most one more forward pass
        timings.total_s = time.perf_counter() - started
        timings.forward_passes = passes[0]
        if finish == "cancelled":
            stream.finish()
        generation.result = GenerationResult(stream.text, out, finish, timings)  # type: ignore[arg-type]
