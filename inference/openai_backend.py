"""Model calls against an OpenAI-compatible server (vLLM, llama.cpp server, TGI, …).

`OpenAIEngine` offers the part of `inference.engine.Engine` that Apply, Tab and scoring use —
``generate``, ``generate_text``, ``score``, ``warm``, ``count_tokens`` — over the legacy
``/v1/completions`` endpoint, so teams can point Squiggle at a scaled server, e.g.::

    vllm serve HuggingFaceTB/SmolLM2-135M-Instruct \\
        --speculative-config '{"method": "ngram", "num_speculative_tokens": 8,
                               "prompt_lookup_max": 4}' --enable-prefix-caching
    export SQUIGGLE_OPENAI_BASE_URL=http://gpu-box:8000/v1
    export SQUIGGLE_OPENAI_MODEL=HuggingFaceTB/SmolLM2-135M-Instruct

The server decides how to decode (its n-gram speculation plays the role of our speculative
edits; ``decoding`` is accepted and ignored), always at temperature 0. Scoring uses
``echo`` with ``logprobs`` (the prompt's own token log-probabilities), which vLLM supports.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from inference.engine import Generation, GenerationResult, InvalidRequest, Timings

if TYPE_CHECKING:
    from inference.span_scoring import ScoreRequest, SpanScore

__all__ = ["OpenAIEngine"]

#: Rough characters per token, for budgets only (the server counts exactly).
CHARS_PER_TOKEN = 3


class OpenAIEngine:
    """The model behind an OpenAI-compatible ``/v1`` base URL."""

    tokenizer = None  # prompts are plain text: the server applies no chat template here

    def __init__(self, base_url: str, model: str, *, api_key: str | None = None,
                 timeout_s: float = 300.0, transport: Any = None) -> None:
        import httpx

        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self.model = model
        self._http = httpx.Client(base_url=base_url.rstrip("/"), timeout=timeout_s,
                                  headers=headers, transport=transport)

    def count_tokens(self, text: str) -> int:
        """An upper-bound estimate of the tokens in ``text`` (for generation budgets)."""
        return len(text) // CHARS_PER_TOKEN + 1

    def _post(self, payload: dict) -> dict:
        from inference.client import InferenceUnavailable

        response = self._request(payload)
        try:
            return response.json()
        except ValueError as error:
            raise InferenceUnavailable(f"OpenAI-compatible server sent non-JSON: {error}") \
                from error

    def _request(self, payload: dict, stream: bool = False) -> Any:
        import httpx

        from inference.client import InferenceUnavailable

        body = {"model": self.model, "temperature": 0, **payload}
        try:
            if stream:
                request = self._http.build_request("POST", "/completions", json=body)
                response = self._http.send(request, stream=True)
            else:
                response = self._http.post("/completions", json=body)
        except httpx.HTTPError as error:
            raise InferenceUnavailable(f"OpenAI-compatible server: {error}") from error
        if response.status_code >= 400:
            detail = response.read().decode(errors="replace")[:500]
            response.close()
            if response.status_code < 500:
                raise InvalidRequest(f"OpenAI-compatible server refused: {detail}")
            raise InferenceUnavailable(f"OpenAI-compatible server failed: {detail}")
        return response

    def generate(self, prompt: str, *, max_new_tokens: int, decoding: str = "speculative",
                 draft: str | None = None, stop: Sequence[str] | None = None,
                 adapter: str | None = None) -> Generation:
        """Stream the server's greedy completion of ``prompt`` (``decoding``, ``draft`` and
        ``adapter`` unused: the server decodes its own way with the model it serves)."""
        del decoding, draft, adapter
        started = time.perf_counter()
        payload: dict[str, Any] = {"prompt": prompt, "max_tokens": max_new_tokens,
                                   "stream": True}
        if stop:
            payload["stop"] = list(stop)
        response = self._request(payload, stream=True)
        generation = Generation(iter(()))
        generation._pieces = self._pieces(response, generation, started)
        return generation

    def _pieces(self, response: Any, generation: Generation, started: float) -> Iterator[str]:
        timings = Timings()
        texts: list[str] = []
        finish = "cancelled"
        try:
            for line in response.iter_lines():
                if not line.startswith("data:"):
                    continue
                data = line[5:].strip()
                if data == "[DONE]":
                    break
                choice = json.loads(data)["choices"][0]
                piece = choice.get("text", "")
                if piece:
                    if not texts:
                        timings.time_to_first_token_s = time.perf_counter() - started
                    texts.append(piece)
                    yield piece
                reason = choice.get("finish_reason")
                if reason:
                    finish = "length" if reason == "length" else "stop"
        finally:
            response.close()
            timings.total_s = time.perf_counter() - started
            text = "".join(texts)
            # The server's token ids are not ours; the result counts text pieces instead.
            generation.result = GenerationResult(text, list(range(len(texts))), finish, timings)

    def generate_text(self, prompt: str, *, max_new_tokens: int, decoding: str = "speculative",
                      draft: str | None = None, stop: Sequence[str] | None = None,
                      adapter: str | None = None) -> GenerationResult:
        """Run `generate` to the end."""
        generation = self.generate(prompt, max_new_tokens=max_new_tokens, decoding=decoding,
                                   draft=draft, stop=stop, adapter=adapter)
        for _ in generation:
            pass
        assert generation.result is not None
        return generation.result

    def score(self, requests: Sequence[ScoreRequest]) -> list[SpanScore]:
        """Surprisal of each span from the server's echoed prompt log-probabilities."""
        from inference.span_scoring import SpanScore

        body = self._post({"prompt": [r.context + r.span for r in requests], "max_tokens": 1,
                           "echo": True, "logprobs": 0})
        choices = sorted(body["choices"], key=lambda c: c.get("index", 0))
        scores = []
        for request, choice in zip(requests, choices, strict=True):
            logprobs = choice["logprobs"]
            start = len(request.context)
            end = start + len(request.span)
            tokens, surprisal = [], []
            for token, offset, logprob in zip(logprobs["tokens"], logprobs["text_offset"],
                                              logprobs["token_logprobs"], strict=True):
                if start <= offset < end and logprob is not None:
                    tokens.append(token)
                    surprisal.append(-float(logprob))
            scores.append(SpanScore(tokens=tokens, token_ids=[], surprisals=surprisal))
        return scores

    def warm(self, text: str) -> int:
        """Have the server compute ``text`` once (its prefix cache keeps it); tokens counted."""
        body = self._post({"prompt": text, "max_tokens": 1})
        return int(body.get("usage", {}).get("prompt_tokens", 0))
