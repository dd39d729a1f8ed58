"""The findings stage on a parsed diff: bug-model findings on changed lines of known sources."""

from __future__ import annotations

from typing import TYPE_CHECKING

from reviewapp.findings.repository_names import harness_names, sibling_bases, with_import_hints
from reviewapp.findings.stale_imports import stale_import_findings
from reviewapp.ingest.parsed import ADDED, ParsedDiff, ParsedFile

if TYPE_CHECKING:  # the checkout module imports the hunt engine
    from reviewapp.findings.checkout import HeadCheckout

Flagged = dict[str, set[int]]  # path -> new-side lines with findings

#: How the review's note about files known only by their hunks begins (the stage replaces it).
PARTIAL_NOTE_PREFIX = "bug detection: "

# Ordering risk is log2-scaled (+1 = twice the changed lines): a likely bug weighs like a change
# several times bigger.
RISK_PER_FINDING = 4.0


def new_source(file: ParsedFile) -> str | None:
    """The new file's full text: known from git, or a pasted new file's added lines."""
    if file.is_binary or file.status == "deleted":
        return None
    if file.new_content is not None:
        return file.new_content
    if file.status == ADDED and len(file.hunks) == 1:
        return "\n".join(line.text for line in file.hunks[0].added) + "\n"
    return None


def hunk_lines(file: ParsedFile) -> dict[int, str]:
    """The new-side lines that a file's hunks show (context and added), by line number."""
    return {line.new_lineno: line.text for hunk in file.hunks for line in hunk.lines
            if line.new_lineno is not None}


def added_lines(file: ParsedFile) -> set[int]:
    """The new-side numbers of the lines the change adds to the file."""
    return {line.new_lineno for hunk in file.hunks for line in hunk.added}


def find_bugs(diff: ParsedDiff, checkout: HeadCheckout | None = None,
              notes: list[str] | None = None) -> list:
    """Bug-model findings (`bugmodel.Finding`) on the changed lines of the Python files whose
    source is known. With the head's files (`checkout`), names that the unchanged files
    beside the change read unbound, or that a harness binds in the namespace of the code it
    runs, are not reported; an undefined name's message says which module defines it
    (`repository_names`); and names the change removes that other modules still import are
    reported (`stale_imports`; a deleted module's importers outside the diff go to `notes`).
    The learned detector reads the project's own modules, not its tests, docs or scripts;
    of a modified module whose source is unknown (a pasted diff) it reads what the hunks show
    (`bugmodel.partial_sources`), and `notes` says so.
    Raises FileNotFoundError (`bugmodel` WeightsMissing) without weights."""
    return (_detected(diff, checkout) + _detected_in_hunks(diff, notes)
            + stale_import_findings(diff, checkout, notes))


def _detected_in_hunks(diff: ParsedDiff, notes: list[str] | None) -> list:
    """The findings in the Python modules known only by their hunks (`detect_partial`)."""
    from bugmodel.detection import is_project_module
    from bugmodel.partial_sources import detect_partial

    partial = [file for file in diff.files
               if file.path.endswith(".py") and new_source(file) is None
               and not file.is_binary and file.status != "deleted" and file.added_count]
    if not partial:
        return []
    result = detect_partial(
        [(file.path, hunk_lines(file)) for file in partial],
        {file.path: added_lines(file) for file in partial}, learned_paths=is_project_module)
    if notes is not None:
        skipped = {s.path for s in result.skipped}
        read = [f"`{file.path}`" for file in partial if file.path not in skipped]
        unread = [f"`{file.path}`" for file in partial if file.path in skipped]
        notes.append(
            f"{PARTIAL_NOTE_PREFIX}only the hunks of " + ", ".join(read + unread)
            + " are known (a pasted diff carries no whole files; a review from a registered "
            "repository has them): "
            + ("the bug detector read the changed code they show, and its checks for "
               "undefined names, call signatures and attribute typos did not run"
               if read else "")
            + ("; " if read and unread else "")
            + (f"the changed lines of {', '.join(unread)} do not parse on their own and were "
               "not analysed" if unread else "") + ".")
    return result.findings


def _detected(diff: ParsedDiff, checkout: HeadCheckout | None) -> list:
    from bugmodel import detect
    from bugmodel.detection import (
        NAME_KINDS,
        is_project_module,
        provided_names,
        reads_provided_name,
    )

    sources, changed, bases = {}, {}, []
    for file in diff.files:
        text = new_source(file)
        if text is None or not file.path.endswith(".py"):
            continue
        sources[file.path] = text
        changed[file.path] = added_lines(file)
        if file.old_content is not None:
            removed = {line.old_lineno for h in file.hunks for line in h.removed}
            bases.append((file.old_content, removed))
    if not sources:
        return []
    # The learned models read the project's own modules only (`is_project_module`); the
    # checks read every file.
    found = detect(sources.items(), changed, base_files=bases, learned_paths=is_project_module)
    # The files beside are read only for a name the change's own files could not vouch for,
    # so most reviews read none (and a pull request's head is not downloaded for them).
    named = {f.path for f in found if f.kind in NAME_KINDS}
    if checkout is None or not named:
        return found
    in_diff = {path for file in diff.files for path in (file.path, file.old_path)}
    siblings = sibling_bases(named, in_diff, checkout)
    from_siblings = provided_names(siblings)
    lines = {path: text.split("\n") for path, text in sources.items()}
    # Harnesses are looked for only for the names the files beside did not vouch for.
    unexplained = {f.path for f in found if f.kind in NAME_KINDS
                   and not reads_provided_name(f, lines[f.path], from_siblings)}
    harnessed = harness_names(unexplained, sources, checkout)
    if any(reads_provided_name(f, lines[f.path], from_siblings | harnessed.get(f.path, set()))
           for f in found):
        # Again with the evidence: a unit whose only finding was such a name gets the
        # learned detector's finding instead, as if the name had never been reported.
        found = detect(sources.items(), changed, base_files=bases + siblings,
                       provided=harnessed, learned_paths=is_project_module)
    return with_import_hints(found, lines, checkout)


def flagged_lines(findings) -> Flagged:
    """New-side lines covered by findings, per path (the importance stage never grays them)."""
    flagged: Flagged = {}
    for finding in findings:
        flagged.setdefault(finding.path, set()).update(range(finding.line, finding.end_line + 1))
    return flagged


def finding_risk(findings) -> dict[str, float]:
    """Extra ordering risk per path from its findings, weighted by probability."""
    risk: dict[str, float] = {}
    for finding in findings:
        risk[finding.path] = risk.get(finding.path, 0.0) + RISK_PER_FINDING * finding.probability
    return risk
