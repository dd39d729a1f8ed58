"""How much review a file's change deserves: size and control-flow complexity of its edits.

Reviewers find more defects in files they see early (Fregnan et al., FSE 2022), so among groups
that do not depend on each other the riskier one is shown first. Later stages (findings) can raise
a file's risk through `order_files(..., extra_risk=...)`.
"""

from __future__ import annotations

import math
import re

from reviewapp.ingest.parsed import DELETED, ParsedFile

# Keywords that open a branch: an added one is a new path through the code.
BRANCH = re.compile(r"\b(?:if|elif|else|case|switch|match|except|catch|when|unless)\b|\?\s*\S")
# Other control flow that changes where execution goes next.
FLOW = re.compile(
    r"\b(?:for|while|loop|try|finally|return|raise|throw|break|continue|goto|yield|await|"
    r"async|defer|go|select|with|lock|unsafe)\b|&&|\|\||\band\b|\bor\b|\bnot\b|!="
)
DELETION_DISCOUNT = 0.5  # a deleted file's lines need less reading than new or edited ones


def change_risk(file: ParsedFile) -> float:
    """log2 of changed lines plus log2 of weighted control-flow tokens; 0 for binary files."""
    if file.is_binary:
        return 0.0
    changed = 0
    flow = 0.0
    for hunk in file.hunks:
        for line in hunk.lines:
            if line.kind == " ":
                continue
            changed += 1
            text = line.text
            if not text.strip():
                continue
            # New branches weigh double: they add paths a reviewer has to follow.
            flow += (2.0 if line.kind == "+" else 1.0) * len(BRANCH.findall(text))
            flow += 0.5 * len(FLOW.findall(text))
    risk = math.log2(1 + changed) + math.log2(1 + flow)
    if file.status == DELETED:
        risk *= DELETION_DISCOUNT
    return round(risk, 4)
