"""The mechanical detectors, run over a whole diff at once (they look across hunks and files).

Each family lives in its own module; `run_detectors` returns, per file and per hunk, every
detection in order of how convincing it is (file-level evidence first).
"""

from __future__ import annotations

from reviewapp.importance.detectors.formatting import DOCS_IMPORTANCE, detect_formatting
from reviewapp.importance.detectors.generated import (
    classify_file,
    gitattributes_of,
    parse_gitattributes,
)
from reviewapp.importance.detectors.imports import detect_imports
from reviewapp.importance.detectors.moves import detect_moves
from reviewapp.importance.detectors.renames import detect_renames
from reviewapp.importance.detectors.repeated import detect_repeated
from reviewapp.importance.detectors.versions import detect_version_bump
from reviewapp.importance.score import Detection
from reviewapp.importance.views import HunkView, build_views
from reviewapp.ingest.parsed import ParsedDiff
from reviewapp.ordering.roles import DOC_EXTENSIONS

DETECTORS = ("generated", "vendored", "lockfile", "formatting", "moved", "imports", "version",
             "rename", "repeated", "docs")
# Detectors that prove a code edit mechanical, not a documentation edit.
CODE_EDIT_DETECTORS = frozenset({"moved", "rename", "repeated", "imports"})


def is_prose(path: str) -> bool:
    """A documentation file by its extension (a README, a manual page, a changelog)."""
    name = path.rsplit("/", 1)[-1].lower()
    return "." in name and name[name.rfind("."):] in DOC_EXTENSIONS and \
        not name.startswith(("requirements", "constraints"))


def _docs_veto(found: list[Detection], prose: bool) -> list[Detection]:
    """The detections with code-edit proofs made hints where the edit is documentation."""
    if not prose and not any(d.detector == "docs" for d in found):
        return found
    return [Detection(d.detector, d.reason, False, max(d.importance, DOCS_IMPORTANCE), d.details)
            if d.exact and d.detector in CODE_EDIT_DETECTORS else d for d in found]


def run_detectors(
    diff: ParsedDiff, gitattributes: str | None = None, views: list[list[HunkView]] | None = None,
) -> list[list[list[Detection]]]:
    """Detections for every hunk, exact ones first; `gitattributes` defaults to the diff's own."""
    if views is None:
        views = build_views(diff)
    rules = parse_gitattributes(gitattributes if gitattributes is not None
                                else gitattributes_of(diff))
    flat = [v for file_views in views for v in file_views]
    cross_file = [detect_moves(flat), detect_renames(flat), detect_repeated(flat),
                  detect_imports(flat)]
    out: list[list[list[Detection]]] = []
    h = 0
    for pfile, file_views in zip(diff.files, views, strict=True):
        whole = classify_file(pfile, rules) if file_views else None
        per_file = []
        prose = is_prose(pfile.path)
        for view in file_views:
            found: list[Detection] = [whole] if whole else []
            for local in (detect_formatting(view), detect_version_bump(view)):
                if local is not None:
                    found.append(local)
            found.extend(d[h] for d in cross_file if h in d)
            found = _docs_veto(found, prose)
            found.sort(key=lambda d: (not d.exact, d.importance))
            per_file.append(found)
            h += 1
        out.append(per_file)
    return out
