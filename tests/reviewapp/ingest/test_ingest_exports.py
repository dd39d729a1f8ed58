"""The public API of reviewapp.ingest, pinned so a rename is a deliberate, visible change."""

from __future__ import annotations

import ast
import inspect
import pathlib

import reviewapp.ingest as ingest


def test_exported_names_are_pinned():
    """__all__ lists exactly the public names, sorted, and each one exists."""
    assert ingest.__all__ == [
        "DiffParseError", "DiffTooLarge", "GitSourceError", "IngestError", "IngestLimits",
        "ParsedDiff", "ParsedFile", "ParsedHunk", "ParsedLine", "diff_from_git", "parse_diff",
    ]
    for name in ingest.__all__:
        assert getattr(ingest, name) is not None


def test_entry_point_signatures_are_pinned():
    """parse_diff and diff_from_git keep their call shapes; limits is keyword-only."""
    assert str(inspect.signature(ingest.parse_diff)) == (
        "(data: 'bytes | str', *, limits: 'IngestLimits | None' = None) -> 'ParsedDiff'")
    assert str(inspect.signature(ingest.diff_from_git)) == (
        "(repo_dir: 'str', range_spec: 'str | None', *, limits: 'IngestLimits | None' = None)"
        " -> 'ParsedDiff'")


def test_ingest_does_not_import_django():
    """Ingest is pure Python: none of its modules imports Django."""
    package = pathlib.Path(ingest.__file__).parent
    for module in package.glob("*.py"):
        for node in ast.walk(ast.parse(module.read_text())):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            assert not any(n.split(".")[0] == "django" for n in names), module.name
