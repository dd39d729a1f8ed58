"""Pipeline benchmark: from submission to all findings for 100-, 1,000- and 5,000-changed-line
diffs of real code, with each stage's share.

    python benchmarks/pipeline.py [--sizes 100 1000 5000] [--threads 1] [--lm [--via-service]]

The diffs are real changes: whole cases of the guidance set (`benchmarks/data/guidance.jsonl.gz`,
git ranges and commits of 20 Python projects, file contents attached as from a git range),
taken in file order until the size is reached, paths prefixed by the repository so they never
collide. Each diff is submitted the way the web app submits it (`store_revision`: rows, then
the analysis job, run inline here) on a throw-away SQLite database, with the models on (the
product default: bug model, LM importance off; `--lm` turns it on). The baseline, measured in
the same run on the same diff, is the analysis with the models off (mechanical tiers only); the
ratio says what the models cost. With `--lm --via-service`, the same diff is analysed once more
with the language model served by a separate `python -m inference serve` process
(SQUIGGLE_INFERENCE_URL, as a scaled-out deployment runs it), beside the in-process run.
Writes benchmarks/results/pipeline.json (pipeline_lm.json with --lm, pipeline_lm_service.json
with --via-service).
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import os
import platform
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.guidance_data import DATA, to_case  # noqa: E402
from benchmarks.ingest import setup_django  # noqa: E402

TARGET_1000_S = 90.0  # issue 15: a 1,000-changed-line diff through every stage, this CPU


def real_diff(target_lines: int):
    """A ParsedDiff of whole files from the guidance set's cases (>= target changed lines), its
    changed lines and the seconds parsing the cases' diff texts took."""
    from reviewapp.ingest.parsed import ParsedDiff
    from reviewapp.ingest.parser import parse_diff

    files, total, parse_s = [], 0, 0.0
    with gzip.open(DATA, "rt", encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            started = time.perf_counter()
            parse_diff(row["diff"])
            parse_s += time.perf_counter() - started
            case = to_case(row)
            for file in case.git.files:
                if total >= target_lines:
                    break
                prefix = case.repo.replace("/", "__") + "/"
                file.path, file.old_path = prefix + file.path, prefix + file.old_path
                files.append(file)
                total += file.added_count + file.removed_count
            if total >= target_lines:
                break
    return ParsedDiff(files=files), total, parse_s


@contextmanager
def inference_service(threads: int):
    """`python -m inference serve` on a free local port, its URL used by this process's client
    while the block runs."""
    import httpx

    import inference.client

    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request otherwise
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("SQUIGGLE_")}
    env.update(PYTHONPATH=str(ROOT), OMP_NUM_THREADS=str(threads))
    server = subprocess.Popen([sys.executable, "-m", "inference", "serve", "--port", str(port)],
                              cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                httpx.get(f"{url}/healthz", timeout=2).raise_for_status()
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("the inference service did not start") from None
                time.sleep(0.5)
        os.environ["SQUIGGLE_INFERENCE_URL"] = url
        inference.client._client = None  # the process-wide client follows the new URL
        yield url
    finally:
        os.environ.pop("SQUIGGLE_INFERENCE_URL", None)
        inference.client._client = None
        server.terminate()
        server.wait(timeout=30)


def submit_and_analyse(parsed, parse_s: float, models: bool, use_lm: bool) -> dict:
    """Seconds from submission to the finished analysis, per stage, and what it found."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from reviewapp.reviews.models import AnalysisJob, ChangeSet, Repository, Revision
    from reviewapp.reviews.services import store_revision

    settings.SQUIGGLE = {**settings.SQUIGGLE, "ANALYSIS_ML": models,
                         "IMPORTANCE": {**settings.SQUIGGLE.get("IMPORTANCE", {}),
                                        "use_lm": use_lm}}
    user, _ = get_user_model().objects.get_or_create(username="bench", is_superuser=True)
    repository, _ = Repository.objects.get_or_create(full_name="bench/pipeline")
    change_set = ChangeSet.objects.create(repository=repository, title="bench", author=user)
    started = time.perf_counter()
    with transaction.atomic():
        revision = store_revision(change_set, parsed, Revision.GIT)
        stored = time.perf_counter()
    # The job ran when the transaction committed (tasks are eager here).
    total = time.perf_counter() - started + parse_s
    job = revision.jobs.get()
    assert job.state == AnalysisJob.DONE, (job.state, job.error)
    stages = {"ingest (parse)": parse_s, "ingest (store rows)": stored - started, **job.timings}
    stages["other (load once, job bookkeeping)"] = total - sum(stages.values())
    return {"total_s": round(total, 3),
            "stages_s": {name: round(s, 3) for name, s in stages.items()},
            "share": {name: round(s / total, 3) for name, s in stages.items()},
            "findings": revision.findings.count(),
            "hunks": sum(len(f.hunks) for f in parsed.files)}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 5000])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--lm", action="store_true", help="LM importance on (off by default)")
    parser.add_argument("--via-service", action="store_true",
                        help="with --lm: also run each diff with the LM behind `inference serve`")
    args = parser.parse_args(argv)
    if args.via_service and not args.lm:
        parser.error("--via-service needs --lm (without it no stage calls the language model)")
    import torch

    torch.set_num_threads(args.threads)
    results = []
    with tempfile.TemporaryDirectory(prefix="squiggle-pipeline-") as data_dir:
        setup_django(data_dir)
        from reviewapp.celery import app

        app.conf.task_always_eager = True
        warm, _, parse_s = real_diff(20)  # load the models once, outside the timings
        submit_and_analyse(warm, parse_s, models=True, use_lm=args.lm)
        for size in args.sizes:
            baseline = submit_and_analyse(*real_diff(size)[::2], models=False, use_lm=False)
            parsed, changed, parse_s = real_diff(size)
            full = submit_and_analyse(parsed, parse_s, models=True, use_lm=args.lm)
            results.append({"target_lines": size, "changed_lines": changed,
                            "files": len(parsed.files), "all_stages": full,
                            "mechanical_only": baseline,
                            "ratio_all_stages_vs_mechanical": round(
                                full["total_s"] / max(baseline["total_s"], 1e-9), 2)})
        if args.via_service:
            with inference_service(args.threads):
                submit_and_analyse(*real_diff(20)[::2], models=True, use_lm=True)  # warm-up
                for r in results:
                    served = submit_and_analyse(*real_diff(r["target_lines"])[::2],
                                                models=True, use_lm=True)
                    r["all_stages_via_service"] = served
                    r["ratio_via_service_vs_in_process"] = round(
                        served["total_s"] / max(r["all_stages"]["total_s"], 1e-9), 2)
    for r in results:
        full = r["all_stages"]
        print(f"{r['changed_lines']:,} changed lines ({r['files']} files, {full['hunks']} hunks): "
              f"all stages {full['total_s']:.1f} s, mechanical only "
              f"{r['mechanical_only']['total_s']:.1f} s "
              f"({r['ratio_all_stages_vs_mechanical']}x), {full['findings']} findings")
        for name, seconds in full["stages_s"].items():
            print(f"    {name:<36} {seconds:8.2f} s  {full['share'][name]:6.1%}")
        if "all_stages_via_service" in r:
            print(f"    through the inference service: "
                  f"{r['all_stages_via_service']['total_s']:.1f} s "
                  f"({r['ratio_via_service_vs_in_process']}x in-process)")
    thousand = next((r for r in results if r["target_lines"] == 1000), None)
    verdict = None
    if thousand:
        verdict = thousand["all_stages"]["total_s"] < TARGET_1000_S
        print(f"1,000-line target (< {TARGET_1000_S:.0f} s): "
              f"{'met' if verdict else 'NOT met'}")
    report = {"results": results, "lm_importance": args.lm, "via_service": args.via_service,
              "threads": args.threads,
              "target_1000_lines_s": TARGET_1000_S, "target_met": verdict,
              "bug_detector": os.environ.get("SQUIGGLE_BUG_DETECTOR", "line_ranker"),
              "machine": f"{platform.machine()}, {os.cpu_count()} CPUs"}
    name = "pipeline_lm_service" if args.via_service else "pipeline_lm" if args.lm else "pipeline"
    out = ROOT / "benchmarks" / "results" / f"{name}.json"
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {out.relative_to(ROOT)}")
    return report


if __name__ == "__main__":
    main()
