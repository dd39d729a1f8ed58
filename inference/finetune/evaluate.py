"""Base model vs Apply's adapter on held-out edits: ``python -m inference.finetune evaluate``.

The examples come from the validation packages (never trained on; `inference.finetune.data`)
with a seed of their own. Each is decoded with the product's prompt both ways (speculative
decoding, which emits exactly the greedy tokens) and scored: exact match of the merged
function, whether it parses, how much of the original it copies, tokens per forward pass and
tokens/s after the first token.
"""

from __future__ import annotations

import difflib
import statistics
from pathlib import Path

from inference.apply import generation_prompt, parses
from inference.engine import APPLY_ADAPTER, Engine
from inference.finetune.data import VALIDATION_PACKAGES, build_examples, evaluation_fingerprints

__all__ = ["evaluate"]

#: Not the seeds training used for its own validation loss: a fresh draw of held-out edits.
EVALUATION_SEED = 1234


def evaluate(adapter_dir: Path, examples: int = 40, engine: Engine | None = None) -> dict:
    """Exact match, parse rate, copying and speed of the base model and the adapted one."""
    engine = engine or Engine()
    if APPLY_ADAPTER not in engine.adapters:
        engine.load_adapter(APPLY_ADAPTER, adapter_dir)
    cases = list(build_examples(VALIDATION_PACKAGES, 60, EVALUATION_SEED,
                                evaluation_fingerprints()))[:examples]
    rows: dict[str, list[dict]] = {"base": [], "adapter": []}
    for case in cases:
        prompt = generation_prompt(engine, case.original, case.sketch, case.path)
        budget = engine.count_tokens(case.original) + engine.count_tokens(case.sketch) + 64
        for label, adapter in (("base", None), ("adapter", APPLY_ADAPTER)):
            engine.prefix_cache.clear()
            result = engine.generate_text(prompt, max_new_tokens=budget, draft=case.original,
                                          stop=["```"], adapter=adapter)
            text = result.text.rstrip("\n") + "\n"
            rows[label].append({
                "exact": text == case.edited.rstrip("\n") + "\n",
                "parses": parses(text),
                "copied": difflib.SequenceMatcher(None, case.original, text).ratio(),
                "tokens": len(result.token_ids),
                "passes": result.timings.forward_passes,
                "decode_tokens_per_s": result.decode_tokens_per_s,
            })
    summary: dict = {"examples": len(cases), "packages": list(VALIDATION_PACKAGES),
                     "seed": EVALUATION_SEED}
    for label, results in rows.items():
        summary[label] = {
            "exact_match": round(sum(r["exact"] for r in results) / max(1, len(results)), 3),
            "parses": round(sum(r["parses"] for r in results) / max(1, len(results)), 3),
            "median_copied": round(statistics.median(r["copied"] for r in results), 3),
            "tokens_per_forward_pass": round(sum(r["tokens"] for r in results)
                                             / max(1, sum(r["passes"] for r in results)), 2),
            "median_decode_tokens_per_s": round(statistics.median(
                r["decode_tokens_per_s"] for r in results), 2),
        }
    return summary
