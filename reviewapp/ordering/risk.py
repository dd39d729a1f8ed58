"""How much review a file's change deserves: size and control-flow complexity of its edits.

Reviewers find more defects in files they see early (Fregnan et al., FSE 2022), so among groups
that do not depend on each other the riskier one is shown first. Later stages (findings) can raise
a file's risk through `order_files(..., extra_risk=...)`.
"""

from __future__ import annotations

import math
import re
from collections import Counter

from reviewapp.ingest.parsed import DELETED, ParsedFile

from .symbols import side_lines

# Keywords that open a branch: an added one is a new path through the code.
# Tokens that open a branch: an added one is a new path through the code ("?" for ternaries).
BRANCH = frozenset("if elif else case switch match except catch when unless ?".split())
# Other control flow that changes where execution goes next.
FLOW = frozenset(
    "for while loop try finally return raise throw break continue goto yield await async "
    "defer go select with lock unsafe and or not && || !=".split()
)
# Words and the operators above; counting tokens beats one regex with many alternatives (2.5x).
TOKEN = re.compile(r"[A-Za-z_]\w*|&&|\|\||!=|\?")
DELETION_DISCOUNT = 0.5  # a deleted file's lines need less reading than new or edited ones


def change_risk(file: ParsedFile) -> float:
    """log2 of changed lines plus log2 of weighted control-flow tokens; 0 for binary files."""
    if file.is_binary:
        return 0.0
    added, removed = side_lines(file, "+"), side_lines(file, "-")
    changed = len(added) + len(removed)
    # New branches weigh double: they add paths a reviewer has to follow.
    flow = _control_flow("\n".join(added), branch_weight=2.0)
    flow += _control_flow("\n".join(removed), branch_weight=1.0)
    risk = math.log2(1 + changed) + math.log2(1 + flow)
    if file.status == DELETED:
        risk *= DELETION_DISCOUNT
    return round(risk, 4)


def _control_flow(text: str, branch_weight: float) -> float:
    weight = 0.0
    for token, count in Counter(TOKEN.findall(text)).items():
        if token in BRANCH:
            weight += branch_weight * count
        elif token in FLOW:
            weight += 0.5 * count
    return weight
