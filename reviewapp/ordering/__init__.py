"""Review order of a change's files: definitions before uses, tests after code, noise last.

    from reviewapp.ordering import order_files
    for item in order_files(parsed_diff.files):  # already in review order
        print(item.order, item.path, item.role, item.group, item.reason)
        # 0 pkg/a.py source 0 changes `parse_hunk`, used by 2 files below

Pure Python (no Django); see order.py for the algorithm.
"""

from .order import OrderedFile, order_files
from .roles import (
    ASSET,
    CONFIG,
    DOCS,
    GENERATED,
    LOCKFILE,
    ROLES,
    SOURCE,
    TEST,
    VENDORED,
)

__all__ = [
    "ASSET",
    "CONFIG",
    "DOCS",
    "GENERATED",
    "LOCKFILE",
    "ROLES",
    "SOURCE",
    "TEST",
    "VENDORED",
    "OrderedFile",
    "order_files",
]
