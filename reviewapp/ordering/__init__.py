"""Review order of a change's files: definitions before uses, tests after code, noise last."""

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
