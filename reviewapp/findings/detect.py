"""The findings stage on a parsed diff: bug-model findings on changed lines of known sources."""

from __future__ import annotations

from reviewapp.ingest.parsed import ADDED, ParsedDiff, ParsedFile

Flagged = dict[str, set[int]]  # path -> new-side lines with findings

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


def find_bugs(diff: ParsedDiff) -> list:
    """Bug-model findings (`bugmodel.Finding`) on the changed lines of the Python files whose
    source is known. Raises FileNotFoundError (`bugmodel` WeightsMissing) without weights."""
    from bugmodel import detect

    sources, changed, bases = [], {}, []
    for file in diff.files:
        text = new_source(file)
        if text is None or not file.path.endswith(".py"):
            continue
        sources.append((file.path, text))
        changed[file.path] = {line.new_lineno for h in file.hunks for line in h.added}
        if file.old_content is not None:
            removed = {line.old_lineno for h in file.hunks for line in h.removed}
            bases.append((file.old_content, removed))
    if not sources:
        return []
    return detect(sources, changed, base_files=bases)


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
