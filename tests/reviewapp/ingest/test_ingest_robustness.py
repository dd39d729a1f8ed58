"""Mangled input never crashes the parser: it parses, or raises an IngestError with a line."""

from __future__ import annotations

import random
import time

import pytest

from reviewapp.ingest import DiffParseError, IngestError, parse_diff


def mutate(rng: random.Random, lines: list[str]) -> list[str]:
    """One random edit of the kind copy-paste and mail clients make."""
    lines = list(lines)
    at = rng.randrange(len(lines))
    action = rng.randrange(7)
    if action == 0:
        del lines[at]
    elif action == 1:
        lines.insert(at, lines[rng.randrange(len(lines))])
    elif action == 2:
        lines = lines[:at]  # truncated
    elif action == 3:
        lines[at] = lines[at][:1] + "\x00\xff\u2028" + lines[at][1:]
    elif action == 4:
        lines[at] = rng.choice(["@@ -1,x +1 @@", "@@ -0,0 +0,0 @@", "+++ b/", "--- ",
                                "diff --git a/", "GIT binary patch", "\\ No newline",
                                "rename from ", "similarity index 999%", "index zz..yy"])
    elif action == 5:
        lines[at] = lines[at].lstrip("+- ")
    else:
        lines[at] = lines[at] + "\r"
    return lines


def test_random_mutations_parse_or_raise_ingest_errors(diffgen):
    """500 seeded mutations of a realistic diff: each parses or raises an IngestError."""
    rng = random.Random(11)
    base = diffgen.generate_diff(files=12, lines=400, seed=11).split("\n")
    outcomes = {"parsed": 0, "refused": 0}
    for _ in range(500):
        lines = base
        for _ in range(rng.randint(1, 3)):
            lines = mutate(rng, lines) or ["x"]
        text = "\n".join(lines)
        data = text.encode("utf-8", "surrogatepass") if rng.random() < 0.5 else text
        try:
            parse_diff(data)
            outcomes["parsed"] += 1
        except IngestError as exc:
            assert str(exc) and "\n" not in str(exc)
            if isinstance(exc, DiffParseError) and exc.line is not None:
                assert 1 <= exc.line <= len(lines) + 3
            outcomes["refused"] += 1
    assert outcomes["parsed"] > 50 and outcomes["refused"] > 50, outcomes


@pytest.mark.parametrize("line", [
    "Binary files " + "a and " * 30_000,  # unidiff's regex alone: minutes
    "Binary files a and b and c and " + "\t " * 50_000,
    "diff --git x:// y:// " + " " * 100_000,
])
def test_crafted_header_lines_do_not_stall_the_parser(line):
    """Header lines that make unidiff's regexes backtrack are defused: well under a second."""
    started = time.perf_counter()
    try:
        parse_diff(line + "\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n")
    except IngestError:
        pass
    assert time.perf_counter() - started < 1.0


def test_binary_lines_of_plain_diffs_keep_their_names():
    """`diff -r` binary lines still name their files after being defused."""
    diff = parse_diff("Binary files old/img.png and new/img.png differ\n"
                      "Binary files a/my and you.png and b/my and you.png differ\n"
                      "Binary file logo.gif has changed\n")
    assert [(f.path, f.old_path, f.is_binary) for f in diff.files] == [
        ("img.png", "img.png", True), ("my and you.png", "my and you.png", True),
        ("logo.gif", "logo.gif", True)]
