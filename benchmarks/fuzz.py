"""Fuzzing: hostile input to the diff ingest, the `.squiggle.toml` loader and the GitHub webhook.

    nice -n 15 python benchmarks/fuzz.py [--inputs 100000] [--seed 0] [--out fuzz.json]

Inputs come from hypothesis strategies, half generated from a grammar (diffs with hostile paths,
odd hunk counts, stray headers; TOML with every value type in every key; webhook payloads of the
right shape with random values anywhere) and half mutated from real inputs (the diffs in
tests/data and benchmarks/data/guidance.jsonl.gz, and GitHub-shaped payloads): byte flips,
cut, repeated and spliced ranges, inserted tokens that parsers trip on. Every webhook is signed,
so it gets past the signature check into the payload handling, through the real Django view on
a throw-away SQLite database.

What counts: a crash is any exception other than the clean refusal each target promises (an
IngestError for diffs; none for the loader; a status under 500 for the webhook); a hang is an
input that takes over 1 s (one over 10 s is stopped), timed again at once: one that is fast the
second time was the machine stalling (other processes, garbage collection), one slow both times
is the input's own cost (`hangs_repeated`); a memory spike is an input during which the
process's peak resident memory rose by more than 64 MB. Prints the counts per target and
the ratio of the slowest input to the median one (how far the worst case strays from the
typical); writes benchmarks/results/fuzz.json. The test suite runs the same targets with a few
hundred examples each (tests/reviewapp/test_fuzz_inputs.py).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import resource
import signal
import statistics
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

HANG_S = 1.0
STOP_S = 10.0
SPIKE_BYTES = 64 * 1024 * 1024
CHUNK = 5_000  # inputs per hypothesis run: its bookkeeping grows with the examples it has seen
MAX_SEED_BYTES = 100_000
WEBHOOK_SECRET = "fuzz-webhook-secret"
FUZZ_REPOSITORY = "fuzz/widgets"

# -- Seeds: real inputs to mutate ---------------------------------------------------------------


def seed_diffs() -> list[bytes]:
    """Real diffs: the test data and the guidance set (commits of real projects)."""
    seeds = [path.read_bytes() for path in sorted((ROOT / "tests" / "data").rglob("*.diff"))]
    guidance = ROOT / "benchmarks" / "data" / "guidance.jsonl.gz"
    if guidance.exists():
        with gzip.open(guidance, "rt") as handle:
            seeds += [json.loads(line)["diff"].encode("utf-8", "surrogateescape")
                      for line in handle]
    return [seed for seed in seeds if len(seed) <= MAX_SEED_BYTES]


def seed_payloads() -> list[tuple[str, dict]]:
    """(event, payload) shaped as GitHub sends them, for the fuzzed repository."""
    repository = {"full_name": FUZZ_REPOSITORY, "id": 7}
    pull = {"number": 3, "title": "Fix totals", "draft": False,
            "head": {"sha": "a" * 40, "ref": "fix"}, "base": {"sha": "b" * 40, "ref": "main"}}
    installation = {"id": 99, "app_id": 12}
    return [
        *[("pull_request", {"action": action, "number": 3, "pull_request": pull,
                            "repository": repository, "installation": installation})
          for action in ("opened", "synchronize", "closed", "ready_for_review", "labeled")],
        ("installation", {"action": "created", "installation": installation,
                          "repositories": [{"full_name": "fuzz/other"}]}),
        ("installation_repositories", {"action": "added", "installation": installation,
                                       "repositories_added": [{"full_name": "fuzz/third"}]}),
        ("issue_comment", {"action": "created", "repository": repository,
                           "issue": {"number": 3, "pull_request": {"url": "x"}},
                           "comment": {"body": "/squiggle review", "user": {"type": "User"}}}),
        ("ping", {"zen": "Keep it logically awesome."}),
    ]


# -- Mutations ------------------------------------------------------------------------------------

# Tokens that parsers of diffs, TOML and JSON trip on.
INTERESTING = [
    b"\n", b"\r\n", b"\r", b"\x00", b"\xff\xfe", b"\xe9", b"\x1b[31m", b"\\", b'"', b"\t",
    b"@@ -1,99999999 +1 @@\n", b"@@ -0,0 +0,0 @@\n", b"@@ @@\n", b"diff --git a/ b/\n",
    b"--- /dev/null\n", b"+++ b/../../etc/passwd\n", b"+++ /abs/path\n",
    b"\\ No newline at end of file\n", b"rename from x\nrename to y\n", b"new file mode 160000\n",
    b"Binary files a/x and b/x differ\n", b"GIT binary patch\nliteral 5\n",
    b"diff --cc x\n", b"index 0000000..1111111 100644\n", b"similarity index 1000%\n",
    b"[review]\n", b"[stages]\n", b"ignore = [", b'"**/*', b"threshold = 1e999\n", b"= ",
    b"{", b"}", b"[", b"]", b"null", b"true", b"-1", b"9" * 30, b'{"a":' * 50,
]


@st.composite
def mutated(draw, seeds: list[bytes]) -> bytes:
    """A real input with 1-8 random edits (hypothesis draws which, where and what)."""
    data = bytearray(draw(st.sampled_from(seeds)))
    for _ in range(draw(st.integers(1, 8))):
        size = len(data)
        at = draw(st.integers(0, size))
        end = min(size, at + draw(st.integers(0, 256)))
        edit = draw(st.sampled_from(["flip", "insert", "delete", "repeat", "splice", "cut"]))
        if edit == "flip" and at < size:
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif edit == "insert":
            data[at:at] = draw(st.sampled_from(INTERESTING) | st.binary(max_size=16))
        elif edit == "delete":
            del data[at:end]
        elif edit == "repeat":
            data[at:at] = data[at:end] * draw(st.integers(1, 50))
        elif edit == "splice":
            other = draw(st.sampled_from(seeds))
            start = draw(st.integers(0, len(other)))
            data[at:end] = other[start:start + draw(st.integers(0, 4096))]
        elif edit == "cut":
            del data[at:]
    return bytes(data)


# -- Generated diffs -----------------------------------------------------------------------------

PATH_PARTS = st.sampled_from(["src", "pkg", "a b", "..", ".", "", "C:", "é", "\x00", "\x1b",
                              "\n", "\t", "-", "@@", '"q"', "\\", "~", "*"]) | st.text(
    st.characters(codec="utf-8"), min_size=1, max_size=10)
EXTENDED_HEADERS = st.sampled_from([
    "new file mode 100644", "deleted file mode 100644", "old mode 100644", "new mode 100755",
    "new file mode 120000", "new file mode 160000", "similarity index 90%",
    "rename from old.py", "rename to new.py", "copy from a.py", "copy to b.py",
    "index 1234567..89abcde 100644", "index 0000000000000000000000000000000000000000..1",
    "Binary files a/x and b/x differ", "GIT binary patch", "dissimilarity index 5%"])
COUNTS = st.integers(0, 6) | st.sampled_from([10**9, 2**63, -1])


@st.composite
def hunk_text(draw) -> str:
    old_start, old_len, new_start, new_len = (draw(COUNTS) for _ in range(4))
    header = draw(st.sampled_from([f"@@ -{old_start},{old_len} +{new_start},{new_len} @@",
                                   f"@@ -{old_start} +{new_start} @@ def f():",
                                   f"@@@ -{old_start} -{old_len} +{new_start} @@@"]))
    body = draw(st.lists(st.tuples(st.sampled_from([" ", "+", "-", "\\", ""]),
                                   st.text(max_size=30)), max_size=12))
    return "\n".join([header] + [prefix + text.replace("\n", " ") for prefix, text in body])


@st.composite
def generated_diff(draw) -> bytes:
    """A diff from the grammar, with hostile paths, headers and counts drawn in."""
    entries = []
    for _ in range(draw(st.integers(1, 4))):
        path = "/".join(draw(st.lists(PATH_PARTS, min_size=1, max_size=4)))
        lines = [f"diff --git a/{path} b/{path}"] if draw(st.booleans()) else []
        lines += draw(st.lists(EXTENDED_HEADERS, max_size=3))
        if draw(st.booleans()):
            lines += [f"--- a/{path}", f"+++ b/{path}"]
        lines += draw(st.lists(hunk_text(), max_size=3))
        entries.append("\n".join(lines))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    text = newline.join(entries) + newline
    encoding = draw(st.sampled_from(["utf-8", "latin-1", "utf-16"]))
    return text.encode(encoding, "surrogateescape" if encoding == "utf-8" else "replace")


def diff_inputs() -> st.SearchStrategy[bytes]:
    return generated_diff() | mutated(seed_diffs())


# -- Generated .squiggle.toml --------------------------------------------------------------------

TOML_KEYS = st.sampled_from(["ignore", "threshold", "severities", "drafts", "lm", "bugs",
                             "ordering", "review", "stages", "x"]) | st.text(max_size=8)
TOML_VALUES = st.sampled_from([
    '["*.lock", "vendor/**"]', "0.5", "1e999", "-0.0", "nan", "inf", "true", "false", '"high"',
    '["low", "nope"]', "[1, 2]", "{a = 1}", "1979-05-27T07:32:00Z", '"[[[[**"', '"\\u0000"',
    '["' + "*" * 500 + '"]', '["' + "**/" * 100 + 'x"]', "[[1], [2]]", "''"])


@st.composite
def generated_toml(draw) -> bytes:
    lines = []
    for _ in range(draw(st.integers(0, 6))):
        if draw(st.booleans()):
            lines.append(f"[{draw(st.sampled_from(['review', 'stages', 'other', 'review.x']))}]")
        lines.append(f"{draw(TOML_KEYS)} = {draw(TOML_VALUES)}")
    return "\n".join(lines).encode()


TOML_SEEDS = [b'[review]\nignore = ["*.lock", "docs/**"]\nthreshold = 0.8\n'
              b'severities = ["high", "medium"]\ndrafts = false\n[stages]\nlm = false\n']


def toml_inputs() -> st.SearchStrategy[bytes]:
    return generated_toml() | mutated(TOML_SEEDS)


# -- Generated webhooks --------------------------------------------------------------------------

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.sampled_from([2**63, -2**63 - 1, 10**30])
    | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                 max_size=4),
    max_leaves=12)


@st.composite
def reshaped(draw, value):
    """The payload with random values swapped in at random places, keys dropped or added."""
    if isinstance(value, dict):
        out = {}
        for key, inner in value.items():
            choice = draw(st.integers(0, 9))
            if choice == 0:
                continue  # dropped
            out[key] = draw(JSON_VALUES) if choice == 1 else draw(reshaped(inner))
        if draw(st.integers(0, 9)) == 0:
            out[draw(st.text(max_size=8))] = draw(JSON_VALUES)
        return out
    if isinstance(value, list):
        return [draw(reshaped(item)) for item in value]
    return draw(JSON_VALUES) if draw(st.integers(0, 4)) == 0 else value


EVENTS = st.sampled_from(["pull_request", "installation", "installation_repositories",
                          "issue_comment", "ping", "push", ""]) | st.text(max_size=10)


@st.composite
def webhook_inputs(draw) -> tuple[str, bytes]:
    """(event, body): a reshaped payload as JSON, or a byte-mutated one (signed either way)."""
    event, payload = draw(st.sampled_from(seed_payloads()))
    if draw(st.booleans()):
        event = draw(EVENTS)
    if draw(st.booleans()):
        return event, json.dumps(draw(reshaped(payload))).encode()
    return event, draw(mutated([json.dumps(payload).encode()]))


# -- Targets: each returns quietly, or raises what counts as a crash ------------------------------


def ingest_diff(data: bytes) -> bool:
    """A diff is parsed (True) or refused with an IngestError with a message (False), never
    anything else; no parsed path leads outside the repository."""
    from reviewapp.ingest import IngestError, parse_diff

    try:
        parsed = parse_diff(data)
    except IngestError as error:
        assert str(error), "an IngestError without a message"
        return False
    for file in parsed.files:
        assert file.path and not file.path.startswith("/"), file.path
        assert ".." not in file.path.split("/"), file.path
    return True


def load_repo_config(data: bytes) -> bool:
    """Any `.squiggle.toml` loads (errors are listed, never raised) and its globs match; True
    when it loaded without an error listed."""
    from reviewapp.repo_config import load_config

    text = data.decode("utf-8", "replace")
    config = load_config(text, text)
    for path in ("src/app.py", "vendor/lib/x.js", "docs/a b.md", "é/\x00"):
        config.ignored_reason(path)
    json.dumps(config.to_json())
    return not config.errors


def deliver_webhook(client, event: str, body: bytes) -> bool:
    """A signed delivery through the real view: any answer but a 5xx (the test client raises
    what the view raised); True when it was taken (2xx)."""
    import uuid

    from reviewapp.github.signature import sign

    response = client.post("/github/webhook", data=body, content_type="application/json",
                           headers={"X-GitHub-Event": event,
                                    "X-GitHub-Delivery": str(uuid.uuid4()),
                                    "X-Hub-Signature-256": sign(WEBHOOK_SECRET, body)})
    assert response.status_code < 500, (response.status_code, response.content[:200])
    return response.status_code < 300


def connect_fuzz_repository() -> None:
    """The repository the payloads name, connected with the secret they are signed with."""
    from reviewapp.reviews.models import Repository

    Repository.objects.get_or_create(provider=Repository.GITHUB, full_name=FUZZ_REPOSITORY,
                                     defaults={"webhook_secret": WEBHOOK_SECRET})


# -- The run --------------------------------------------------------------------------------------


@dataclass
class Tally:
    """What one target's inputs did."""

    inputs: int = 0
    accepted: int = 0  # parsed, loaded cleanly, taken: the rest were refused with a reason
    crashes: list[str] = field(default_factory=list)
    # (seconds, seconds when timed again, input bytes)
    hangs: list[tuple[float, float, int]] = field(default_factory=list)
    spikes: int = 0
    seconds: list[float] = field(default_factory=list)

    def summary(self) -> dict:
        median = statistics.median(self.seconds) if self.seconds else 0.0
        return {"inputs": self.inputs, "accepted": self.accepted,
                "crashes": len(self.crashes), "hangs": len(self.hangs),
                "hangs_repeated": sum(1 for _, again, _ in self.hangs if again > HANG_S),
                "memory_spikes": self.spikes, "median_ms": round(median * 1000, 3),
                "max_ms": round(max(self.seconds, default=0.0) * 1000, 1),
                "slowest_over_median": round(max(self.seconds, default=0.0) / median, 1)
                if median else None, "first_crashes": self.crashes[:5],
                "hangs_seconds_again_and_bytes": self.hangs[:20]}


class _Stopped(Exception):
    """An input ran past STOP_S."""


def _stop(signum, frame) -> None:
    raise _Stopped()


def _peak_rss() -> int:
    """The process's highest resident memory so far, in bytes (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def run_target(name: str, strategy: st.SearchStrategy, target: Callable, count: int,
               seed: int) -> Tally:
    """Feed `count` inputs drawn by hypothesis to `target`, recording instead of stopping."""
    tally = Tally()

    def timed(value) -> tuple[bool, float]:
        """(taken, seconds) of one input; a crash is recorded and counts as not taken."""
        signal.setitimer(signal.ITIMER_REAL, STOP_S)
        started = time.perf_counter()
        try:
            return bool(target(*value) if isinstance(value, tuple) else target(value)), \
                time.perf_counter() - started
        except _Stopped:
            tally.crashes.append(f"stopped after {STOP_S} s: {value!r:.200}")
        except Exception:  # every other exception is what we are looking for
            tally.crashes.append(f"{traceback.format_exc()[-700:]} input {value!r:.300}")
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        return False, time.perf_counter() - started

    def feed(value) -> None:
        tally.inputs += 1
        peak = _peak_rss()
        taken, elapsed = timed(value)
        tally.accepted += taken
        tally.seconds.append(elapsed)
        if elapsed > HANG_S:
            crashes = len(tally.crashes)
            _, again = timed(value)
            del tally.crashes[crashes:]  # a crash was recorded the first time already
            size = sum(len(part) for part in value) if isinstance(value, tuple) else len(value)
            tally.hangs.append((round(elapsed, 2), round(again, 2), size))
        if _peak_rss() - peak > SPIKE_BYTES:
            tally.spikes += 1
        if tally.inputs % 5000 == 0:
            print(f"  {name}: {tally.inputs:,} inputs, {len(tally.crashes)} crashes",
                  file=sys.stderr, flush=True)

    signal.signal(signal.SIGALRM, _stop)
    for chunk, start in enumerate(range(0, count, CHUNK)):
        run = hypothesis_seed(seed * 1000 + chunk)(settings(
            max_examples=min(CHUNK, count - start), database=None, deadline=None,
            suppress_health_check=list(HealthCheck), phases=[Phase.generate])(given(strategy)(
                feed)))
        run()
    return tally


def _setup_django(data_dir: str, database_url: str | None) -> None:
    """Django on `database_url` (a throw-away SQLite file if None), migrated; tasks go to a
    throw-away filesystem broker that nothing reads."""
    os.environ.update(SQUIGGLE_DATA_DIR=data_dir, SQUIGGLE_LOG_LEVEL="ERROR",
                      DATABASE_URL=database_url or f"sqlite:///{data_dir}/f.sqlite3",
                      DJANGO_SETTINGS_MODULE="reviewapp.settings", SQUIGGLE_TASKS_EAGER="0",
                      SQUIGGLE_ALLOWED_HOSTS="testserver", SQUIGGLE_GITHUB_API_URL=
                      "http://127.0.0.1:9")  # nothing listens: no task ever reaches out
    for name in ("REDIS_URL", "SQUIGGLE_DEBUG", "SQUIGGLE_GITHUB_WEBHOOK_SECRET"):
        os.environ.pop(name, None)
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inputs", type=int, default=100_000, help="in all, over the targets")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--targets", default="diff ingest,.squiggle.toml,webhook",
                        help="comma-separated; a subset gets all --inputs and writes "
                             "fuzz_<first target>.json")
    parser.add_argument("--out", help="file name in benchmarks/results (default: fuzz.json, or "
                        "fuzz_<first target>.json for a subset)")
    parser.add_argument("--database-url", help="an empty PostgreSQL database, so column limits "
                        "are enforced as in production (default: throw-away SQLite)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="squiggle-fuzz-") as data_dir:
        _setup_django(data_dir, args.database_url)
        from django.test import Client

        connect_fuzz_repository()
        client = Client()
        deliver_webhook(client, "ping", b"{}")  # warm: the first request loads the URLconf
        # Half the inputs to the diff ingest (the widest surface), a quarter to each other.
        shares = {"diff ingest": (diff_inputs(), ingest_diff, args.inputs // 2),
                  ".squiggle.toml": (toml_inputs(), load_repo_config, args.inputs // 4),
                  "webhook": (webhook_inputs(), lambda event, body: deliver_webhook(
                      client, event, body), args.inputs - args.inputs // 2 - args.inputs // 4)}
        targets = args.targets.split(",")
        if len(targets) < len(shares):
            shares = {name: (strategy, target, args.inputs // len(targets))
                      for name, (strategy, target, _) in shares.items() if name in targets}
        started = time.perf_counter()
        results = {}
        for name, (strategy, target, count) in shares.items():
            tally = run_target(name, strategy, target, count, args.seed)
            results[name] = tally.summary()
            summary = results[name]
            print(f"{name:15s} {tally.inputs:7,} inputs ({tally.accepted:,} accepted)  crashes "
                  f"{len(tally.crashes)}  hangs {len(tally.hangs)} (again "
                  f"{summary['hangs_repeated']})  memory spikes {tally.spikes}"
                  f"  median {summary['median_ms']} ms  slowest {summary['max_ms']} ms "
                  f"({summary['slowest_over_median']}x median)", flush=True)
            for crash in tally.crashes[:3]:
                print("   ", crash.replace("\n", "\n    "))
    total = {key: sum(r[key] for r in results.values())
             for key in ("inputs", "crashes", "hangs", "hangs_repeated", "memory_spikes")}
    print(f"total: {total['inputs']:,} inputs, {total['crashes']} crashes, {total['hangs']} "
          f"hangs over {HANG_S} s ({total['hangs_repeated']} slow again when timed again), "
          f"{total['memory_spikes']} memory spikes, "
          f"{time.perf_counter() - started:.0f} s")
    subset = "" if len(results) == 3 else "_" + re.sub(r"\W+", "_", next(iter(results)))
    out = ROOT / "benchmarks" / "results" / (args.out or f"fuzz{subset}.json")
    out.write_text(json.dumps({"total": total, "targets": results, "seed": args.seed,
                               "hang_s": HANG_S, "spike_mb": SPIKE_BYTES >> 20}, indent=2))
    print(f"wrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
