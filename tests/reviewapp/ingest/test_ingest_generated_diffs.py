"""Big realistic diffs from benchmarks/diffgen.py: what the generator promises, parsed."""

from __future__ import annotations

import subprocess
import time

import pytest
from unidiff import PatchSet

from reviewapp.ingest import parse_diff
from reviewapp.ingest.parsed import ADDED, DELETED, MODIFIED, RENAMED


@pytest.fixture(scope="module")
def diff_10k(diffgen) -> str:
    return diffgen.generate_diff(files=200, lines=10_000, seed=3)


def test_generator_is_deterministic_and_seeded(diffgen):
    """Same arguments give the same text; another seed gives another diff."""
    assert diffgen.generate_diff(40, 2_000, 1) == diffgen.generate_diff(40, 2_000, 1)
    assert diffgen.generate_diff(40, 2_000, 1) != diffgen.generate_diff(40, 2_000, 2)


def test_generator_hits_the_requested_size(diff_10k):
    """200 files and 10k lines were asked for: exactly 200 file entries, lines within 5%."""
    assert diff_10k.count("diff --git ") == 200
    assert abs(diff_10k.count("\n") - 10_000) <= 500


@pytest.mark.parametrize("files", [1, 2, 5, 19, 31, 120])
def test_generator_gives_exactly_the_requested_file_count(diffgen, files):
    """Small and odd file counts come out exact, and the result always parses."""
    parsed = parse_diff(diffgen.generate_diff(files=files, lines=30 * files, seed=files))
    assert len(parsed.files) == files


def test_generated_diff_is_accepted_by_git_with_the_same_counts(diff_10k, tmp_path):
    """git reads the generated diff and counts, per file, the lines parse_diff counts."""
    path = tmp_path / "gen.diff"
    path.write_text(diff_10k)
    result = subprocess.run(["git", "apply", "--numstat", "-z", str(path)], cwd=tmp_path,
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    # One "added<TAB>removed<TAB>new path" entry per file, in patch order.
    git_counts = [tuple(entry.split("\t")[:2]) for entry in result.stdout.split("\0") if entry]
    ours = [("-", "-") if f.is_binary else (str(f.added_count), str(f.removed_count))
            for f in parse_diff(diff_10k).files]
    assert ours == git_counts


def test_generated_diff_mixes_languages_statuses_and_kinds(diff_10k):
    """The mix the benchmarks need: four languages, tests, docs, a lockfile, every status."""
    parsed = parse_diff(diff_10k)
    languages = {f.language for f in parsed.files}
    assert {"Python", "JavaScript", "Go", "C", "Markdown", "JSON"} <= languages
    assert {f.status for f in parsed.files} == {ADDED, DELETED, MODIFIED, RENAMED}
    paths = [f.path for f in parsed.files]
    assert any(p.startswith("tests/test_") for p in paths)
    assert any(p.endswith("package-lock.json") for p in paths)
    assert any(f.is_binary for f in parsed.files)
    assert any(f.mode_changed for f in parsed.files)
    added_text = "\n".join(ln.text for f in parsed.files for h in f.hunks for ln in h.added)
    assert "from app." in added_text and "import {" in added_text  # imports between modules
    assert '#include "' in diff_10k and '"example.com/squiggle/internal/' in diff_10k


def test_fast_hunk_loop_agrees_with_a_full_unidiff_parse(diff_10k):
    """Every line's kind, text and both line numbers match unidiff's own full parse."""
    ours = [(ln.kind, ln.text, ln.old_lineno, ln.new_lineno)
            for f in parse_diff(diff_10k).files for h in f.hunks for ln in h.lines]
    theirs = [(ln.line_type, ln.value.rstrip("\n"), ln.source_line_no, ln.target_line_no)
              for pf in PatchSet(diff_10k) for h in pf for ln in h if ln.line_type in "+- "]
    assert len(ours) > 8_000
    assert ours == theirs


def test_100k_line_diff_parses_fast(diffgen):
    """A 100k-line, 1000-file diff parses completely, well within the issue's 2 s budget."""
    text = diffgen.generate_diff(files=1_000, lines=100_000, seed=5)
    started = time.perf_counter()
    parsed = parse_diff(text)
    elapsed = time.perf_counter() - started
    body_lines = sum(1 for line in text.splitlines() if line[:1] in "+- " and
                     not line.startswith(("--- ", "+++ ")))
    assert len(parsed.files) == 1_000
    assert parsed.line_count == body_lines
    # About 0.5 s on the 2-core dev machine; the bound leaves room for a loaded CI box
    # and still catches anything quadratic.
    assert elapsed < 4.0, elapsed
