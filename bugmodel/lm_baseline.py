"""Naturalness baseline: a causal LM (SmolLM2-135M by default) finds and repairs bugs.

Localization: candidate spans ranked by the LM's surprisal of the tokens they cover (max
over the span). Repair: at the top spans, each candidate's log-likelihood ratio
log p(repaired window) - log p(original window), where the window runs from the span to the
end of the following line and shares the original prefix (KV cache). The best repair wins
if its ratio is positive (the LM prefers the repaired code); otherwise NO_BUG.
"""

from __future__ import annotations

import copy
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from bugmodel.data import Encoded
from bugmodel.scoring import same_location
from synthdata.dataset import Record
from synthdata.rewrites import Candidate
from synthdata.source import SourceText


@dataclass
class BaselineConfig:
    top_locations: int = 2
    max_repairs: int = 6


def _load_lm():
    try:
        from inference.loading import load_lm
    except ImportError:  # the inference package is optional for this baseline
        from transformers import AutoModelForCausalLM, AutoTokenizer

        def load_lm(model_dir=None, device=None):
            if model_dir is None:
                raise RuntimeError("inference.loading is unavailable: pass a model directory")
            tok = AutoTokenizer.from_pretrained(model_dir, local_files_only=True)
            return AutoModelForCausalLM.from_pretrained(model_dir, local_files_only=True), tok
    return load_lm(device="cpu")


class NaturalnessBaseline:
    """Surprisal-ranked locations, likelihood-ratio repairs."""

    def __init__(self, model, tokenizer, config: BaselineConfig | None = None) -> None:
        self.model = model.eval()
        self.tokenizer = tokenizer
        self.config = config or BaselineConfig()
        self.device = next(model.parameters()).device

    def _tokens(self, text: str) -> tuple[list[int], list[tuple[int, int]]]:
        enc = self.tokenizer(text, return_offsets_mapping=True, add_special_tokens=False)
        return list(enc["input_ids"]), [tuple(o) for o in enc["offset_mapping"]]

    @torch.inference_mode()
    def predict(self, text: str, candidates: Sequence[Candidate]) -> int:
        """Index of the predicted repair among `candidates`, or -1 for NO_BUG."""
        if not candidates:
            return -1
        ids, offsets = self._tokens("\n" + text)  # "\n" gives the first real token a context
        offsets = [(max(0, a - 1), max(0, b - 1)) for a, b in offsets]
        out = self.model(torch.tensor([ids], device=self.device), use_cache=True)
        logprobs = torch.log_softmax(out.logits[0].float(), -1)  # (T, V)
        token_lp = [0.0] + [float(logprobs[i - 1, ids[i]]) for i in range(1, len(ids))]
        ends = [b for _, b in offsets]

        def token_at(offset: int) -> int:
            return min(int(np.searchsorted(ends, offset, side="right")), len(ids) - 1)

        spans: dict[tuple[int, int], list[int]] = {}
        for i, cand in enumerate(candidates):
            spans.setdefault((cand.start, cand.end), []).append(i)

        def surprisal(span: tuple[int, int]) -> float:
            first, last = token_at(span[0]), token_at(max(span[0], span[1] - 1))
            return max(-token_lp[k] for k in range(max(1, first), max(first, last) + 1))

        ranked = sorted(spans, key=surprisal, reverse=True)[: self.config.top_locations]
        src = SourceText(text)
        best, best_ratio = -1, 0.0
        budget = self.config.max_repairs
        for span in ranked:
            p = max(1, token_at(span[0]))
            line = src.position(span[1])[0]
            window_end = src.line_end(line + 1)
            q = token_at(max(span[0], window_end - 1))
            original = sum(token_lp[p : q + 1])
            for index in spans[span][:budget]:
                cand = candidates[index]
                repaired = cand.apply(text)
                start = offsets[p][0]
                new_end = window_end + len(cand.replacement) - (cand.end - cand.start)
                ratio = self._window_logprob(out.past_key_values, p, logprobs[p - 1],
                                             repaired[start:new_end]) - original
                if ratio > best_ratio:
                    best, best_ratio = index, ratio
            budget -= len(spans[span][:budget])
            if budget <= 0:
                break
        return best

    def _window_logprob(self, cache, prefix_len: int, first_logprobs: torch.Tensor,
                        window: str) -> float:
        ids = self.tokenizer(window, add_special_tokens=False)["input_ids"]
        if not ids:
            return 0.0
        total = float(first_logprobs[ids[0]])
        if len(ids) > 1:
            prefix = copy.deepcopy(cache)
            drop = prefix.get_seq_length() - prefix_len
            if drop > 0:
                prefix.crop(-drop)  # transformers 5: a negative count of tokens to drop
            out = self.model(torch.tensor([ids[:-1]], device=self.device),
                             past_key_values=prefix, use_cache=True)
            lp = torch.log_softmax(out.logits[0].float(), -1)  # (W-1, V)
            total += float(lp[torch.arange(len(ids) - 1), torch.tensor(ids[1:])].sum())
        return total


def _column(sample: Encoded, index: int) -> int | None:
    """Logits column of an original candidate index in an encoded sample (None if dropped)."""
    if index < 0:
        return 0
    hits = np.nonzero(sample.candidate_index == index)[0]
    return int(hits[0]) + 1 if len(hits) else None


def evaluate_baseline(pairs: Sequence[tuple[Record, Encoded, Encoded]],
                      baseline: NaturalnessBaseline | None = None) -> dict:
    """NO_BUG, localization and joint accuracy of the LM baseline on (clean, buggy) pairs."""
    if baseline is None:
        model, tokenizer = _load_lm()
        baseline = NaturalnessBaseline(model, tokenizer)
    started = time.monotonic()
    clean_ok, loc_ok, joint_ok = 0, 0, 0
    for n, (record, clean, buggy) in enumerate(pairs):
        allowed = set(clean.candidate_index.tolist())
        cands = [c if i in allowed else None for i, c in enumerate(record.clean_candidates)]
        pred = baseline.predict(record.clean, [c for c in cands if c is not None])
        clean_ok += pred == -1
        kept = [i for i, c in enumerate(record.buggy_candidates)
                if i in set(buggy.candidate_index.tolist())]
        pred = baseline.predict(record.buggy, [record.buggy_candidates[i] for i in kept])
        column = _column(buggy, kept[pred]) if pred >= 0 else 0
        joint_ok += column == buggy.target
        loc_ok += column is not None and same_location(buggy, column, buggy.target)
        if (n + 1) % 10 == 0:
            print(f"  baseline {n + 1}/{len(pairs)}", file=sys.stderr)
    n = max(1, len(pairs))
    return {"functions": len(pairs), "no_bug_accuracy": clean_ok / n,
            "localization_accuracy": loc_ok / n, "joint_accuracy": joint_ok / n,
            "seconds": round(time.monotonic() - started, 1),
            "config": vars(baseline.config)}
