"""Decoding benchmark: greedy vs Hugging Face prompt lookup vs speculative edits; KV warming.

    nice -n 10 python benchmarks/inference_decoding.py [--task apply|tab] [--cases 20]
        [--max-new-tokens 160] [--base-model] [--threads N] [--repeats 5] [--out FILE]

1. ``--task apply`` (the default): Apply-style rewrites of real functions (this repository
   and installed packages, picked deterministically): a lazy edit sketch of the function (a
   renamed variable, an inserted, deleted or changed line) goes through the product's own
   model prompt (`inference.apply.generation_prompt`, the one Apply uses when the model
   writes the file; the original is the draft) and the model's greedy answer is decoded three
   ways on the same prompt, each from a cold prefix cache. The model is Apply's: the base
   model with Apply's fine-tune (`inference/adapters/apply`) when the engine has it;
   ``--base-model`` without. A change of that prompt changes the cases' answers for all three
   decodings alike.
   ``--task tab``: Tab's model stage on real next-edit cases instead, the dev split of
   ``benchmarks/data/tab_real.jsonl.gz`` (half edit cases, half cases where nothing should
   change, the fixed shuffle of ``benchmarks/tab_real.py``'s model rows): the product's own
   request (`inference.tab.rewrite_request`: the 13 lines around the cursor written out again,
   drafted from those lines, at the adapter's prompt budget and token limit), decoded with
   Tab's adapter (`inference/adapters/tab`, loaded for the run); ``--base-model`` without it
   (then at the base model's prompt budget, as the product serves it).
   Per case: tokens/s after the first token (the decoding speed; the prompt is the same work
   for all three and shows as time to first token) and end to end, forward passes,
   acceptance rate, whether the tokens equal greedy's, and how much of the original the
   answer copies. The three decodings of a
   case run back to back so machine noise hits them alike; ratios are medians over cases.
2. First-token latency on a 2k-token file: cold (empty prefix cache) vs warm (after
   ``engine.warm`` on the prompt's file part, as the editor does when a file is opened);
   median of repeats.

Writes ``benchmarks/results/inference_decoding.json`` (``benchmarks/inference.py`` folds it in);
``--task tab`` writes ``inference_decoding_tab.json``. ``--repeats 0`` skips part 2.
"""

from __future__ import annotations

import argparse
import difflib
import json
import platform
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from inference.apply import generation_prompt  # noqa: E402
from inference.engine import (  # noqa: E402
    APPLY_ADAPTER,
    DEFAULT_TAB_ADAPTER,
    TAB_ADAPTER,
    Engine,
    get_engine,
)
from inference.finetune.data import functions, lazy_sketch, package_root  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results" / "inference_decoding.json"
TAB_RESULTS = ROOT / "benchmarks" / "results" / "inference_decoding_tab.json"
#: The real Tab cases' split: dev (the adapter trained on train; test stays held out).
TAB_SPLIT = "dev"
DECODINGS = ("greedy", "prompt-lookup", "speculative")
#: Real code the cases come from: this repository, then installed packages.
SOURCES = ["inference", "reviewapp", "synthdata", "unidiff", "pygments", "httpx", "starlette"]


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def source_files() -> list[list[Path]]:
    """Python files of each of SOURCES, sorted (stable across machines with the same code)."""
    roots = [package_root(name) for name in SOURCES]
    return [sorted(p for p in root.rglob("*.py") if "test" not in p.name)
            for root in roots if root is not None]


def edit_function(code: str, kind: str) -> str | None:
    """A small real-looking edit of ``code``: rename, insert, delete or change a line."""
    lines = code.splitlines(keepends=True)
    body = [i for i, line in enumerate(lines) if i > 0 and line.strip()
            and not line.strip().startswith(("#", '"""', "'''"))]
    if len(body) < 3:
        return None
    if kind == "rename":
        names = [n for n in re.findall(r"\b([a-z_][a-z0-9_]{2,})\s*=[^=]", code) if n != "self"]
        if not names:
            return None
        return re.sub(rf"\b{names[0]}\b", names[0] + "_value", code)
    middle = body[len(body) // 2]
    indent = lines[middle][: len(lines[middle]) - len(lines[middle].lstrip())]
    if kind == "insert":
        return "".join(lines[:middle] + [f"{indent}logger.debug('checkpoint')\n"] + lines[middle:])
    if kind == "delete":
        return "".join(lines[:middle] + lines[middle + 1 :])
    changed = re.sub(r"(\d+)", lambda m: str(int(m.group(1)) + 1), lines[middle], count=1)
    if changed == lines[middle]:
        changed = lines[middle].rstrip("\n") + "  # reviewed\n"
    return "".join(lines[:middle] + [changed] + lines[middle + 1 :])


def build_cases(engine: Engine, count: int) -> list[dict]:
    """``count`` rewrite cases spread over SOURCES (one function per file), edit kinds in turn."""
    kinds = ["rename", "insert", "delete", "change"]
    groups = source_files()
    per_source = -(-count // max(1, len(groups)))
    cases: list[dict] = []
    for files in groups:
        taken = 0
        for path in files:
            if taken >= per_source or len(cases) >= count:
                break
            for code in functions(path):
                kind = kinds[len(cases) % len(kinds)]
                edited = edit_function(code, kind)
                if edited and edited != code and engine.count_tokens(code) <= 220:
                    prompt = generation_prompt(engine, code, lazy_sketch(code, edited),
                                               path.name)
                    cases.append({
                        "source": "/".join(path.parts[-2:]),
                        "kind": kind,
                        "original": code,
                        "prompt": prompt,
                    })
                    taken += 1
                    break
    return cases


def build_tab_cases(engine: Engine, count: int, adapter: str | None) -> list[dict]:
    """``count`` requests of Tab's model stage on real dev cases (see the module docs)."""
    from inference.prompt import PromptBudgetExceeded
    from inference.tab import rewrite_request

    sys.path.insert(0, str(ROOT / "benchmarks"))  # tab_real imports its sibling modules
    from tab_real import load_cases, model_subset

    every = load_cases(TAB_SPLIT)
    chosen = model_subset(every, count)
    cases: list[dict] = []
    for case in every:
        if case["id"] not in chosen:
            continue
        try:
            request = rewrite_request(engine, case["file"], case["cursor_line"],
                                      case["history"], adapter)
        except PromptBudgetExceeded:
            continue  # the product skips the model for it too
        if request is not None:
            cases.append({"source": case["id"], "kind": case["kind"], "original": request.shown,
                          "prompt": request.prompt, "max_new_tokens": request.max_new_tokens})
    return cases


def run_case(engine: Engine, case: dict, max_new_tokens: int, adapter: str | None) -> dict:
    """Decode one case three ways from a cold prefix cache; compare tokens with greedy (a
    case's own ``max_new_tokens``, as Tab's requests carry, wins over the argument)."""
    row: dict = {"source": case["source"], "kind": case["kind"]}
    greedy_ids = None
    max_new_tokens = case.get("max_new_tokens", max_new_tokens)
    for decoding in DECODINGS:
        engine.prefix_cache.clear()
        result = engine.generate_text(case["prompt"], max_new_tokens=max_new_tokens,
                                      decoding=decoding, draft=case["original"], stop=["```"],
                                      adapter=adapter)
        t = result.timings
        if decoding == "greedy":
            greedy_ids = result.token_ids
        row[decoding] = {
            "tokens": len(result.token_ids),
            "total_s": round(t.total_s, 3),
            "ttft_s": round(t.time_to_first_token_s, 3),
            "tokens_per_s": round(result.tokens_per_s, 2),
            "decode_tokens_per_s": round(result.decode_tokens_per_s, 2),
            "forward_passes": t.forward_passes,
            "acceptance_rate": None if t.acceptance_rate is None else round(t.acceptance_rate, 3),
            "equal_to_greedy": result.token_ids == greedy_ids,
        }
        if result.min_margin != float("inf"):  # how close greedy came to a tie (logits)
            row[decoding]["min_logit_margin"] = round(result.min_margin, 4)
    row["copied_fraction"] = round(
        difflib.SequenceMatcher(None, case["original"], engine.decode(greedy_ids or [])).ratio(), 3
    )
    return row


def summarise(rows: list[dict]) -> dict:
    """Medians of per-case ratios against greedy, totals, and equality counts."""
    summary: dict = {"cases": len(rows)}
    for decoding in DECODINGS:
        per = [r[decoding] for r in rows]
        tokens = sum(p["tokens"] for p in per)
        seconds = sum(p["total_s"] for p in per)
        entry = {
            "tokens": tokens,
            "seconds": round(seconds, 2),
            "tokens_per_s_overall": round(tokens / seconds, 2) if seconds else 0.0,
            "median_ttft_s": round(statistics.median(p["ttft_s"] for p in per), 3),
            "tokens_per_forward_pass": round(
                tokens / max(1, sum(p["forward_passes"] for p in per)), 2),
            "equal_to_greedy": sum(p["equal_to_greedy"] for p in per),
        }
        if decoding != "greedy":
            for metric, label in (("decode_tokens_per_s", "decode_"), ("tokens_per_s", "")):
                ratios = [r[decoding][metric] / r["greedy"][metric] for r in rows
                          if r["greedy"][metric] and r[decoding][metric]]
                entry[f"median_{label}speedup_vs_greedy"] = round(statistics.median(ratios), 2)
                entry[f"min_{label}speedup_vs_greedy"] = round(min(ratios), 2)
            copying = [r[decoding]["decode_tokens_per_s"] / r["greedy"]["decode_tokens_per_s"]
                       for r in rows if r["copied_fraction"] >= 0.9 and r["greedy"][
                           "decode_tokens_per_s"] and r[decoding]["decode_tokens_per_s"]]
            entry["copying_cases"] = len(copying)
            entry["median_decode_speedup_when_copying"] = (
                round(statistics.median(copying), 2) if copying else None)
            entry["overall_speedup_vs_greedy"] = round(
                entry["tokens_per_s_overall"] / summary["greedy"]["tokens_per_s_overall"], 2)
        rates = [p["acceptance_rate"] for p in per if p["acceptance_rate"] is not None]
        if rates:
            entry["median_acceptance_rate"] = round(statistics.median(rates), 3)
        summary[decoding] = entry
    return summary


def warm_latency(engine: Engine, repeats: int = 5, file_tokens: int = 2048) -> dict:
    """Time to first token on a ~2k-token file: cold prefix cache vs after ``warm``."""
    text = (ROOT / "inference" / "engine.py").read_text()
    lines, kept = text.splitlines(keepends=True), []
    while lines and engine.count_tokens("".join(kept + lines[:1])) <= file_tokens:
        kept.append(lines.pop(0))
    file_text = "".join(kept)
    chat = [{"role": "user", "content": f"```python\n{file_text}```\nAdd a docstring to `warm`."}]
    prompt = engine.tokenizer.apply_chat_template(chat, tokenize=False, add_generation_prompt=True)
    warm_prefix = prompt[: prompt.index(file_text) + len(file_text)]
    cold, warm, reused = [], [], []
    for _ in range(repeats):
        engine.prefix_cache.clear()
        cold.append(engine.generate_text(prompt, max_new_tokens=1, decoding="greedy")
                    .timings.time_to_first_token_s)
        engine.prefix_cache.clear()
        engine.warm(warm_prefix)
        result = engine.generate_text(prompt, max_new_tokens=1, decoding="greedy")
        warm.append(result.timings.time_to_first_token_s)
        reused.append(result.timings.cached_tokens)
    cold_s, warm_s = statistics.median(cold), statistics.median(warm)
    return {
        "file_tokens": engine.count_tokens(file_text),
        "prompt_tokens": engine.count_tokens(prompt),
        "cached_tokens": min(reused),
        "repeats": repeats,
        "cold_ttft_s": round(cold_s, 3),
        "warm_ttft_s": round(warm_s, 3),
        "warm_over_cold": round(warm_s / cold_s, 3),
        "cold_runs_s": [round(x, 3) for x in cold],
        "warm_runs_s": [round(x, 3) for x in warm],
    }


def run(cases: int = 20, max_new_tokens: int = 160, repeats: int = 5,
        engine: Engine | None = None, base_model: bool = False, task: str = "apply") -> dict:
    """Both parts of the benchmark; returns the results dict (also what is written)."""
    import torch

    engine = engine or get_engine()
    if task == "tab":
        if TAB_ADAPTER not in engine.adapters and not base_model:
            engine.load_adapter(TAB_ADAPTER, Path(DEFAULT_TAB_ADAPTER))
        adapter = None if base_model else TAB_ADAPTER
        chosen = build_tab_cases(engine, cases, adapter)
    else:
        # Apply's own model: its fine-tune when the engine has it (``base_model``: never).
        adapter = APPLY_ADAPTER if APPLY_ADAPTER in engine.adapters and not base_model else None
        chosen = build_cases(engine, cases)
    rows = []
    for i, case in enumerate(chosen):
        rows.append(run_case(engine, case, max_new_tokens, adapter))
        r = rows[-1]
        log(f"[{i + 1}/{len(chosen)}] {r['source']} ({r['kind']}, copied "
            f"{r['copied_fraction']}): "
            + ", ".join(f"{d} {r[d]['decode_tokens_per_s']}" for d in DECODINGS)
            + f" tok/s after the first; equal: {r['speculative']['equal_to_greedy']}")
    return {
        "machine": {"platform": platform.platform(), "device": str(engine.device),
                    "torch_threads": torch.get_num_threads(), "python": platform.python_version()},
        "task": task,
        "adapter": adapter,
        "max_new_tokens": "per case (the window's tokens + 48)" if task == "tab"
        else max_new_tokens,
        "rewrites": summarise(rows),
        "cases": rows,
        "warm_vs_cold": warm_latency(engine, repeats) if repeats else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--task", choices=("apply", "tab"), default="apply",
                        help="whose requests and adapter: Apply's rewrites or Tab's model stage")
    parser.add_argument("--cases", type=int, default=20)
    parser.add_argument("--max-new-tokens", type=int, default=160)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--base-model", action="store_true",
                        help="decode with the base model, not the task's fine-tune")
    parser.add_argument("--threads", type=int, help="torch threads (default: torch's)")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    out = args.out or (TAB_RESULTS if args.task == "tab" else RESULTS)
    started = time.perf_counter()
    results = run(args.cases, args.max_new_tokens, args.repeats, base_model=args.base_model,
                  task=args.task)
    results["wall_s"] = round(time.perf_counter() - started, 1)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=1) + "\n")
    s, w = results["rewrites"], results["warm_vs_cold"]
    what = "Tab model-stage rewrites" if args.task == "tab" else "Apply-style rewrites"
    print(f"{s['cases']} {what} with {results['adapter'] or 'the base model'}; "
          "speed vs greedy, median of per-case ratios:")
    for decoding in ("prompt-lookup", "speculative"):
        d = s[decoding]
        print(f"  {decoding:13s} tokens/s after the first token "
              f"{d['median_decode_speedup_vs_greedy']}x (min {d['min_decode_speedup_vs_greedy']}x; "
              f"{d['median_decode_speedup_when_copying']}x"
              f" on the {d['copying_cases']} cases copying >= 90%); end to end "
              f"{d['median_speedup_vs_greedy']}x, total {d['overall_speedup_vs_greedy']}x; "
              f"{d['tokens_per_forward_pass']} tokens/pass; equal to greedy "
              f"{d['equal_to_greedy']}/{s['cases']}")
    print(f"  greedy {s['greedy']['tokens_per_s_overall']} tok/s, median first token "
          f"{s['greedy']['median_ttft_s']} s; speculative median acceptance "
          f"{s['speculative'].get('median_acceptance_rate')}")
    if w:
        print(f"first token on a {w['file_tokens']}-token file: cold {w['cold_ttft_s']} s, "
              f"warm {w['warm_ttft_s']} s (warm/cold {w['warm_over_cold']}, "
              f"{w['cached_tokens']} of {w['prompt_tokens']} prompt tokens cached)")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
