"""Language of a file from its name: the pygments lexer name, cached so big diffs stay fast."""

from __future__ import annotations

import fnmatch
import posixpath
import re
from functools import lru_cache

from pygments.lexers import get_lexer_for_filename
from pygments.lexers._mapping import LEXERS
from pygments.util import ClassNotFound


def _special_names() -> tuple[frozenset[str], re.Pattern[str]]:
    """Exact file names pygments knows ("Makefile") and patterns that are more than "*.ext".

    A name matched by neither can be looked up by its extension alone, so one pygments call
    serves every "*.py" file.
    """
    exact = set()
    patterns = []
    for _module, _name, _aliases, filenames, _mimetypes in LEXERS.values():
        for pattern in filenames:
            if not any(c in pattern for c in "*?["):
                exact.add(pattern)
            elif not (pattern.startswith("*.") and not any(c in pattern[2:] for c in "*?[.")):
                patterns.append(fnmatch.translate(pattern))
    return frozenset(exact), re.compile("|".join(patterns) or "(?!)")


_EXACT, _COMPLEX = _special_names()


def detect_language(path: str) -> str:
    """The pygments lexer name for `path` ("Python", "Go", …), or "" when unknown."""
    name = posixpath.basename(path)
    if name in _EXACT or _COMPLEX.match(name):
        return _lookup(name)
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem:  # no extension, or a dotfile like ".bashrc"
        return _lookup(name)
    return _lookup("file." + ext)


@lru_cache(maxsize=4096)
def _lookup(name: str) -> str:
    try:
        return get_lexer_for_filename(name).name
    except ClassNotFound:
        return ""
