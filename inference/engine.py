"""The inference engine: one model, greedy / speculative / prompt-lookup decoding, prefix cache.

API (stable; Apply, Tab, the HTTP service and hunk importance code against it)::

    engine = get_engine()                      # process-wide, loads the default model once
    for piece in engine.generate(prompt, max_new_tokens=512, draft=original_file):
        ...                                    # text pieces, streamed as tokens are accepted
    result = engine.generate_text(prompt, max_new_tokens=512, draft=original_file)
    result.text, result.token_ids, result.finish_reason, result.timings.tokens_per_s
    engine.score([ScoreRequest(context=file_text, span=added_lines)])  # -> list[SpanScore]
    engine.warm(file_prefix)                   # pre-fill the prefix cache, -> cached tokens
    engine.count_tokens(text)
    engine.load_adapter("apply", directory)    # a LoRA fine-tune, used by requests naming it

``generate(prompt, *, max_new_tokens, decoding="speculative", draft=None, stop=None, adapter=None)``
    ``prompt`` is text (tokenized with `Engine.encode`) or token ids. ``decoding`` is
    ``"speculative"`` (draft tokens copied from ``draft`` then the prompt, verified in
    blocks; see `inference.speculative`), ``"greedy"`` (one token per forward pass) or
    ``"prompt-lookup"`` (Hugging Face ``generate(prompt_lookup_num_tokens=...)``). All three
    emit the model's greedy tokens, so their text is the same; only speed differs. Generation
    ends at an end-of-sequence token (not included), at ``max_new_tokens``, or just before the
    first ``stop`` string.
    ``adapter`` names a loaded LoRA adapter (`inference.lora`) to decode with (``None``: the
    base model; an unknown name is an `InvalidRequest`). Its prefix-cache entries are its own.
    Returns a `Generation`: iterate it for text pieces; ``.result`` is set once it is exhausted;
    ``.close()`` cancels it (the service calls it when a client disconnects).

Bad arguments raise `InvalidRequest` (a ``ValueError``: map it to HTTP 400); a prompt that does
not fit the model's context raises `PromptTooLong` (a subclass, HTTP 413).

Thread safety: any number of threads may call one `Engine`; each forward pass holds
``engine.lock``, so concurrent generations interleave pass by pass (prompt-lookup holds it for
its whole ``generate`` call).

Greedy equivalence and ties: speculative verification computes the logits of up to 33
positions in one pass; plain greedy computes one at a time. Matrix products over different
shapes round differently (~1e-6 relative in float32), so on an exact near-tie between the two
best tokens the argmax could in principle differ. The engine runs float32 on CPU to keep such
differences far below the margins seen in practice; tests compare token ids of greedy and
speculative decoding on real edits, and `GenerationResult.min_margin` (smallest top-1/top-2
logit gap among the emitted tokens) lets a caller see how close a run came to a tie.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from inference.prefix_cache import PrefixCache, clone_cache
from inference.speculative import BlockSizer, DraftSource, accepted_prefix_length
from inference.textstream import TextStream, emit_tokens

if TYPE_CHECKING:
    from pathlib import Path

    import torch
    from transformers import DynamicCache, PreTrainedModel, PreTrainedTokenizerBase

    from inference.lora import AdapterSwitch
    from inference.span_scoring import ScoreRequest, SpanScore

__all__ = [
    "ADAPTER_CONFIG_FILE",
    "APPLY_ADAPTER",
    "BASE_MODEL",
    "TAB_ADAPTER",
    "DECODINGS",
    "Engine",
    "Generation",
    "GenerationResult",
    "InvalidRequest",
    "PromptTooLong",
    "Timings",
    "configured_adapter_directories",
    "get_engine",
    "request_adapter",
    "requestable_adapters",
]

Decoding = Literal["speculative", "greedy", "prompt-lookup"]
DECODINGS: tuple[str, ...] = ("speculative", "greedy", "prompt-lookup")

#: Prompts shorter than this are not worth a prefix-cache entry.
MIN_CACHED_PROMPT = 16
#: Draft tokens per pass for Hugging Face prompt lookup (its documented typical value is 10).
PROMPT_LOOKUP_TOKENS = 10


class InvalidRequest(ValueError):
    """The request's arguments are unusable (the message says which and why)."""


class PromptTooLong(InvalidRequest):
    """The prompt plus ``max_new_tokens`` exceeds the model's context length."""


@dataclass
class Timings:
    """Where the time of one generation went."""

    prompt_tokens: int = 0
    cached_tokens: int = 0  #: prompt tokens reused from the prefix cache
    time_to_first_token_s: float = 0.0
    total_s: float = 0.0
    forward_passes: int = 0
    drafted_tokens: int = 0  #: draft tokens sent for verification
    accepted_tokens: int = 0  #: draft tokens the model agreed with

    @property
    def acceptance_rate(self) -> float | None:
        """Accepted / drafted, or None when nothing was drafted."""
        return self.accepted_tokens / self.drafted_tokens if self.drafted_tokens else None


@dataclass
class GenerationResult:
    """A finished generation."""

    text: str
    token_ids: list[int]
    finish_reason: Literal["eos", "stop", "length", "cancelled"]
    timings: Timings = field(default_factory=Timings)
    #: smallest gap between the best and second-best logit where the model chose a token
    min_margin: float = float("inf")

    @property
    def tokens_per_s(self) -> float:
        """Generated tokens per second, end to end (prompt processing included)."""
        return len(self.token_ids) / self.timings.total_s if self.timings.total_s > 0 else 0.0

    @property
    def decode_tokens_per_s(self) -> float:
        """Tokens per second after the first token (the decoding speed proper)."""
        span = self.timings.total_s - self.timings.time_to_first_token_s
        return (len(self.token_ids) - 1) / span if len(self.token_ids) > 1 and span > 0 else 0.0


class Generation(Iterator[str]):
    """A running generation: iterate for text pieces; ``result`` is set when it ends."""

    def __init__(self, pieces: Iterator[str]) -> None:
        self._pieces = pieces
        self.result: GenerationResult | None = None

    def __next__(self) -> str:
        return next(self._pieces)

    def close(self) -> None:
        """Stop generating (no more forward passes are started)."""
        close = getattr(self._pieces, "close", None)
        if close is not None:
            close()
        if self.result is None:  # closed before it started: nothing was generated
            self.result = GenerationResult("", [], "cancelled")


class Engine:
    """One language model with its tokenizer, prefix cache and lock."""

    def __init__(
        self,
        model: PreTrainedModel | None = None,
        tokenizer: PreTrainedTokenizerBase | None = None,
        *,
        model_dir: str | None = None,
        device: str | None = None,
        prefix_cache_bytes: int | None = None,
    ) -> None:
        if model is None or tokenizer is None:
            from inference.loading import load_lm

            model, tokenizer = load_lm(model_dir, device)
        self.model = model
        self.tokenizer = tokenizer
        self.device = next(model.parameters()).device
        self.lock = threading.RLock()
        if prefix_cache_bytes is None:
            prefix_cache_bytes = int(os.environ.get("SQUIGGLE_KV_CACHE_MB", "1024")) << 20
        self.prefix_cache = PrefixCache(prefix_cache_bytes)
        self.adapters: dict[str, AdapterSwitch] = {}
        self.max_context = int(getattr(model.config, "max_position_embeddings", 0) or 1 << 30)
        eos: set[int] = set()
        configured = getattr(model.generation_config, "eos_token_id", None)
        for source in (tokenizer.eos_token_id, configured):
            if isinstance(source, int):
                eos.add(source)
            elif source:
                eos.update(int(t) for t in source)
        self.eos_token_ids = frozenset(eos)

    # -- tokens -------------------------------------------------------------------------------

    def encode(self, text: str) -> list[int]:
        """Token ids of ``text`` as a prompt (a BOS token is added when the tokenizer wants one)."""
        if not isinstance(text, str):
            raise InvalidRequest(f"expected text, got {type(text).__name__}")
        bos = self.tokenizer.bos_token
        special = not (bos and text.startswith(bos))  # a chat template may already include it
        return list(self.tokenizer(text, add_special_tokens=special)["input_ids"])

    def count_tokens(self, text: str) -> int:
        """Number of tokens ``text`` occupies (without special tokens)."""
        return len(self.tokenizer(text, add_special_tokens=False)["input_ids"])

    def decode(self, token_ids: Sequence[int]) -> str:
        """Text of ``token_ids`` (special tokens dropped)."""
        return self.tokenizer.decode(list(token_ids), skip_special_tokens=True)

    # -- adapters -----------------------------------------------------------------------------

    def load_adapter(self, name: str, directory: Path) -> None:
        """Add the LoRA adapter in ``directory`` under ``name`` (off unless a request names it;
        several may be loaded, one decodes at a time).

        Raises `inference.lora.AdapterMismatch` when it was trained on another base model.
        """
        from inference.lora import load_adapter

        if name in self.adapters:
            raise ValueError(f"this engine already has an adapter named {name!r}")
        with self.lock:  # no forward pass while the layers are rewrapped
            self.adapters[name] = load_adapter(self.model, directory)

    @contextmanager
    def using(self, adapter: str | None) -> Iterator[PreTrainedModel]:
        """Hold the lock with ``adapter`` switched on (``None``: the base model)."""
        switch = self._adapter(adapter)
        with self.lock:
            if switch is not None:
                switch.active = True
            try:
                yield self.model
            finally:
                if switch is not None:
                    switch.active = False

    def _adapter(self, adapter: str | None) -> AdapterSwitch | None:
        if adapter is None:
            return None
        if adapter not in self.adapters:
            raise InvalidRequest(f"no adapter named {adapter!r} is loaded "
                                 f"(loaded: {', '.join(self.adapters) or 'none'})")
        return self.adapters[adapter]

    # -- model calls --------------------------------------------------------------------------

    def forward(self, token_ids: Sequence[int], cache: DynamicCache, keep: int,
                adapter: str | None = None) -> torch.Tensor:
        """Run ``token_ids`` after ``cache`` (which grows); logits of the last ``keep`` tokens."""
        import torch

        ids = torch.tensor([list(token_ids)], dtype=torch.long, device=self.device)
        with self.using(adapter) as model, torch.inference_mode():
            out = model(input_ids=ids, past_key_values=cache, use_cache=True, logits_to_keep=keep)
        return out.logits[0].float()  # (keep, vocab)

    def new_cache(self) -> DynamicCache:
        """An empty KV cache for this model."""
        from transformers import DynamicCache

        return DynamicCache(config=self.model.config)

    def prefill(self, tokens: Sequence[int], *, keep_last: int = 1,
                adapter: str | None = None) -> tuple[DynamicCache, int]:
        """``(cache, reused)``: a cache of ``tokens[:-keep_last]``, reusing the prefix cache."""
        limit = len(tokens) - keep_last
        reused, cache = self.prefix_cache.lookup(tokens, limit=limit, namespace=adapter)
        if cache is None:
            cache = self.new_cache()
        if reused < limit:
            self.forward(tokens[reused:limit], cache, keep=1, adapter=adapter)
        return cache, reused

    def warm(self, prefix: str | Sequence[int], adapter: str | None = None) -> int:
        """Compute and cache the KV states of ``prefix``; returns the number of tokens cached."""
        tokens = self.encode(prefix) if isinstance(prefix, str) else list(prefix)
        self._check_length(tokens, 0)
        self._adapter(adapter)
        if not tokens:
            return 0
        cache, _ = self.prefill(tokens, keep_last=0, adapter=adapter)
        self.prefix_cache.store(tokens, cache, namespace=adapter)
        return len(tokens)

    def score(self, requests: Sequence[ScoreRequest], **options: int) -> list[SpanScore]:
        """Per-token surprisal (nats) of each request's span after its context, batched."""
        from inference.span_scoring import score_spans

        return score_spans(self, requests, **options)

    # -- generation ---------------------------------------------------------------------------

    def generate(
        self,
        prompt: str | Sequence[int],
        *,
        max_new_tokens: int,
        decoding: Decoding = "speculative",
        draft: str | Sequence[int] | None = None,
        stop: Sequence[str] | None = None,
        adapter: str | None = None,
    ) -> Generation:
        """Stream the greedy continuation of ``prompt`` as text pieces (see the module docs)."""
        started = time.perf_counter()
        _check_options(max_new_tokens, decoding, stop)
        self._adapter(adapter)
        tokens = self.encode(prompt) if isinstance(prompt, str) else self._token_list(prompt)
        if not tokens:
            raise InvalidRequest("the prompt is empty")
        self._check_length(tokens, max_new_tokens)
        if decoding == "speculative":
            # The prompt follows the draft in the source: lines the output copies from
            # elsewhere in the prompt (an edit sketch, say) are drafted too.
            source = tokens if draft is None else (
                self.tokenizer(draft, add_special_tokens=False)["input_ids"]
                if isinstance(draft, str) else self._token_list(draft)
            ) + tokens
        else:
            source = None
        generation = Generation(iter(()))
        if decoding == "prompt-lookup":
            from inference.prompt_lookup import hf_prompt_lookup

            pieces = hf_prompt_lookup(self, generation, tokens, max_new_tokens, stop or (), started,
                                      adapter=adapter)
        else:
            pieces = self._decode(generation, tokens, max_new_tokens, source, stop or (), started,
                                  adapter)
        generation._pieces = pieces
        return generation

    def generate_text(
        self,
        prompt: str | Sequence[int],
        *,
        max_new_tokens: int,
        decoding: Decoding = "speculative",
        draft: str | Sequence[int] | None = None,
        stop: Sequence[str] | None = None,
        adapter: str | None = None,
    ) -> GenerationResult:
        """Run `generate` to the end and return its `GenerationResult`."""
        generation = self.generate(prompt, max_new_tokens=max_new_tokens, decoding=decoding,
                                   draft=draft, stop=stop, adapter=adapter)
        for _ in generation:
            pass
        assert generation.result is not None
        return generation.result

    def _decode(
        self,
        generation: Generation,
        tokens: list[int],
        max_new_tokens: int,
        source: list[int] | None,
        stop: Sequence[str],
        started: float,
        adapter: str | None,
    ) -> Iterator[str]:
        """Greedy decoding, verifying draft tokens from ``source`` in blocks when given."""
        import torch

        timings = Timings(prompt_tokens=len(tokens))
        stream = TextStream(self.tokenizer, stop)
        drafts = DraftSource(source) if source is not None else None
        sizer = BlockSizer()
        out: list[int] = []
        finish = "cancelled"
        min_margin = float("inf")
        try:
            timings.cached_tokens, cache = self.prefix_cache.lookup(
                tokens, limit=len(tokens) - 1, namespace=adapter)
            if cache is None:
                cache = self.new_cache()
            pending = tokens[timings.cached_tokens :]  # tokens not yet in the cache (>= 1)
            while True:
                budget = max_new_tokens - len(out)
                proposal = drafts.propose(min(sizer.size, budget - 1)) if drafts else []
                logits = self.forward(pending + proposal, cache, keep=len(proposal) + 1,
                                      adapter=adapter)
                timings.forward_passes += 1
                top2 = torch.topk(logits, 2, dim=-1)  # (keep, 2)
                predictions = top2.indices[:, 0].tolist()
                if timings.forward_passes == 1:
                    timings.time_to_first_token_s = time.perf_counter() - started
                    if len(tokens) >= MIN_CACHED_PROMPT:
                        self.prefix_cache.store(tokens, clone_cache(cache, len(tokens)),
                                                namespace=adapter)
                accepted = accepted_prefix_length(proposal, predictions)
                timings.drafted_tokens += len(proposal)
                timings.accepted_tokens += accepted
                if accepted < len(proposal):
                    cache.crop(-(len(proposal) - accepted))  # forget the rejected drafts
                emitted = predictions[: accepted + 1]
                gaps = (top2.values[: accepted + 1, 0] - top2.values[: accepted + 1, 1]).tolist()
                min_margin = min(min_margin, *gaps)
                text, done = emit_tokens(stream, emitted, out, self.eos_token_ids, max_new_tokens)
                if drafts:
                    drafts.advance(emitted)
                    sizer.update(len(proposal), accepted)
                if text:
                    yield text
                if done:
                    finish = done
                    return
                pending = [emitted[-1]]
        finally:
            timings.total_s = time.perf_counter() - started
            if finish == "cancelled":
                stream.finish()
            generation.result = GenerationResult(
                stream.text, out, finish, timings, min_margin  # type: ignore[arg-type]
            )

    def _token_list(self, ids: Sequence[int]) -> list[int]:
        if not isinstance(ids, Sequence):
            raise InvalidRequest(f"a prompt is text or token ids, not {type(ids).__name__}")
        vocab = len(self.tokenizer)
        result = []
        for token in ids:
            if isinstance(token, bool) or not isinstance(token, int) or not 0 <= token < vocab:
                raise InvalidRequest(f"token ids must be integers in [0, {vocab}), got {token!r}")
            result.append(token)
        return result

    def _check_length(self, tokens: Sequence[int], max_new_tokens: int) -> None:
        if len(tokens) + max_new_tokens > self.max_context:
            raise PromptTooLong(
                f"prompt of {len(tokens)} tokens plus max_new_tokens={max_new_tokens} exceeds the "
                f"model's context of {self.max_context} tokens"
            )


def _check_options(max_new_tokens: object, decoding: object, stop: object) -> None:
    if decoding not in DECODINGS:
        raise InvalidRequest(f"decoding must be one of {', '.join(DECODINGS)}, not {decoding!r}")
    if type(max_new_tokens) is not int or max_new_tokens < 1:
        raise InvalidRequest(f"max_new_tokens must be a positive integer, not {max_new_tokens!r}")
    if stop is not None and (
        isinstance(stop, str)
        or not isinstance(stop, Sequence)
        or not all(isinstance(s, str) for s in stop)
    ):
        raise InvalidRequest("stop must be a list of strings")


_engine: Engine | None = None
_engine_lock = threading.Lock()
log = logging.getLogger(__name__)

#: The adapter Apply decodes with when the engine has it (`inference.finetune` trains it).
APPLY_ADAPTER = "apply"
#: Apply's committed fine-tune of the default model; ``SQUIGGLE_APPLY_ADAPTER`` names another
#: adapter directory, or ``none`` for the base model.
DEFAULT_APPLY_ADAPTER = os.path.join(os.path.dirname(__file__), "adapters", "apply")
#: The adapter Tab's model stage decodes with when the engine has it (`inference.finetune`,
#: config "tab-cpu"). ``SQUIGGLE_TAB_ADAPTER`` names an adapter directory, ``default`` for the
#: committed one, or ``none``; unset, `TAB_ADAPTER_BY_DEFAULT` decides.
TAB_ADAPTER = "tab"
#: Tab's committed fine-tune of the default model.
DEFAULT_TAB_ADAPTER = os.path.join(os.path.dirname(__file__), "adapters", "tab")
#: Whether Tab uses its committed adapter when nothing says otherwise: only an adapter that beat
#: the base model's stage on the dev split is on by default (see its MODEL_CARD.md).
TAB_ADAPTER_BY_DEFAULT = False
#: What a request names (``"adapter": "none"``) to decode with the base model.
BASE_MODEL = "none"
#: The file that marks a directory as a LoRA adapter (`inference.lora` writes and reads it).
ADAPTER_CONFIG_FILE = "adapter.json"
#: The setting that makes `get_engine` load each task's adapter (named in refusals).
_ADAPTER_SETTINGS = {APPLY_ADAPTER: "SQUIGGLE_APPLY_ADAPTER", TAB_ADAPTER: "SQUIGGLE_TAB_ADAPTER"}
#: The task each adapter serves (named in the warnings when it cannot be loaded).
_TASKS = {APPLY_ADAPTER: "Apply", TAB_ADAPTER: "Tab"}


def request_adapter(engine: object, requested: str | None, *, task_adapter: str,
                    default: str | None) -> str | None:
    """The adapter one request of a task decodes with (None: the base model).

    ``requested`` None keeps the configured behaviour: ``default`` when ``engine`` has it
    loaded, else the base model. `BASE_MODEL` asks for the base model; ``task_adapter`` (the
    task's own fine-tune) asks for it, and it must be loaded. Anything else is an
    `InvalidRequest` that says what may be asked, as is an adapter the engine has not loaded.
    Naming an adapter reads ``engine.adapters``, which loads a lazily loaded model.
    """
    if requested is None:
        loaded = getattr(engine, "adapters", {})
        return default if default is not None and default in loaded else None
    if requested == BASE_MODEL:
        return None
    if requested != task_adapter:
        raise InvalidRequest(f"unknown adapter {requested!r}: this request can name "
                             f"{task_adapter!r} or {BASE_MODEL!r} (the base model)")
    loaded = getattr(engine, "adapters", {})
    if requested not in loaded:
        setting = _ADAPTER_SETTINGS.get(requested, "the service's configuration")
        raise InvalidRequest(f"adapter {requested!r} is not loaded by this service (loaded: "
                             f"{', '.join(loaded) or 'none'}); {setting} loads it, or name "
                             f"{BASE_MODEL!r} for the base model")
    return requested


def get_engine() -> Engine:
    """The process-wide engine on the default (or ``SQUIGGLE_MODEL_DIR``) model, with Apply's
    adapter (and Tab's, when chosen) when it fits that model."""
    global _engine
    with _engine_lock:
        if _engine is None:
            _engine = Engine()
            _load_configured_adapters(_engine)
        return _engine


def configured_adapter_directories() -> dict[str, str]:
    """The directory `get_engine` loads each task's adapter from, by name, as the environment
    says now; an adapter its setting switches off is absent."""
    directories = {}
    apply = os.environ.get(_ADAPTER_SETTINGS[APPLY_ADAPTER], "").strip()
    if apply.lower() != "none":
        directories[APPLY_ADAPTER] = apply or DEFAULT_APPLY_ADAPTER
    tab = os.environ.get(_ADAPTER_SETTINGS[TAB_ADAPTER], "").strip()
    if tab.lower() != "none" and (tab or TAB_ADAPTER_BY_DEFAULT):
        directories[TAB_ADAPTER] = DEFAULT_TAB_ADAPTER if tab.lower() in ("", "default") else tab
    return directories


def requestable_adapters(engine: object | None = None) -> dict[str, bool]:
    """Whether a request may name each task's adapter (``"apply"``, ``"tab"``).

    With ``engine``: whether it holds the adapter. Without (the model is not loaded yet): whether
    `get_engine` is configured to load one, judged without loading anything: its setting leaves
    it on and its directory holds an adapter. (One that then does not fit the model is skipped,
    so it reads False once the engine is loaded.)
    """
    if engine is not None:
        held = getattr(engine, "adapters", {})
        return {name: name in held for name in _ADAPTER_SETTINGS}
    directories = configured_adapter_directories()
    return {name: name in directories and _holds_adapter(directories[name])
            for name in _ADAPTER_SETTINGS}


def _holds_adapter(directory: str) -> bool:
    # The name `inference.lora` writes; importing it would import torch into a cheap health check.
    return os.path.isfile(os.path.join(directory, ADAPTER_CONFIG_FILE))


def _load_configured_adapters(engine: Engine) -> None:
    """Load each adapter the settings choose (`configured_adapter_directories`); one that is
    missing or does not fit the model is skipped with a warning: its task uses the base model."""
    from pathlib import Path

    from inference.lora import AdapterMismatch

    for name, directory in configured_adapter_directories().items():
        task = _TASKS[name]
        if not _holds_adapter(directory):
            log.warning("no %s adapter at %s: %s uses the base model", task, directory, task)
            continue
        try:
            engine.load_adapter(name, Path(directory))
        except AdapterMismatch as error:  # e.g. SQUIGGLE_MODEL_DIR points at another model
            log.warning("%s uses the base model: %s", task, error)
