"""Diff bytes to text: UTF-8 where it is, a per-line fallback where it is not, never a crash."""

from __future__ import annotations

import codecs
from dataclasses import dataclass, field

# Tried in order on a line that is not UTF-8. Windows-1252 covers the usual legacy editors;
# Latin-1 maps every byte, so decoding always ends.
FALLBACK_ENCODINGS = ("cp1252", "latin-1")


@dataclass
class DecodedDiff:
    """The diff as text plus which lines needed a fallback encoding (0-based, ascending)."""

    text: str
    fallback_lines: list[int] = field(default_factory=list)
    fallback_encodings: set[str] = field(default_factory=set)
    warnings: list[str] = field(default_factory=list)


def decode_diff(data: bytes | str) -> DecodedDiff:
    """Decode and normalize a diff: BOMs dropped, transport CRLF undone, NUL made storable."""
    decoded = _decode_str(data) if isinstance(data, str) else _decode_bytes(data)
    text = decoded.text
    if text.startswith("\ufeff"):
        text = text[1:]
    # A diff pasted into a browser form or saved on Windows has CRLF after every line, the
    # headers too; a diff of CRLF files from git has it only on content lines. Undo the first
    # (each "\r\n" back to "\n", which also restores "\r\r\n" content), keep the second as is.
    if "\r\n" in text and text.count("\r\n") == text.count("\n"):
        text = text.replace("\r\n", "\n")
    elif "\n" not in text and "\r" in text:  # classic Mac line ends: CR only
        text = text.replace("\r", "\n")
    if "\x00" in text:
        # PostgreSQL text cannot hold NUL; git would have called such a file binary.
        text = text.replace("\x00", "\ufffd")
        decoded.warnings.append("the diff contains NUL bytes; they are shown as \ufffd")
    decoded.text = text
    return decoded


def _decode_bytes(data: bytes) -> DecodedDiff:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        # PowerShell's `git diff > file` writes UTF-16 with a BOM.
        try:
            return DecodedDiff(data.decode("utf-16"))
        except UnicodeDecodeError:
            pass
    try:
        return DecodedDiff(data.decode("utf-8"))
    except UnicodeDecodeError:
        pass
    decoded = DecodedDiff("")
    parts = data.split(b"\n")
    for index, part in enumerate(parts):
        try:
            parts[index] = part.decode("utf-8")  # type: ignore[call-overload]
            continue
        except UnicodeDecodeError:
            pass
        for encoding in FALLBACK_ENCODINGS:
            try:
                parts[index] = part.decode(encoding)  # type: ignore[call-overload]
            except UnicodeDecodeError:
                continue
            decoded.fallback_lines.append(index)
            decoded.fallback_encodings.add(encoding)
            break
    decoded.text = "\n".join(parts)  # type: ignore[arg-type]
    return decoded


def _decode_str(text: str) -> DecodedDiff:
    if text.isascii():
        return DecodedDiff(text)
    try:
        text.encode("utf-8")
        return DecodedDiff(text)
    except UnicodeEncodeError:
        pass
    # Lone surrogates, e.g. from a caller that decoded with surrogateescape: back to bytes.
    try:
        raw = text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        raw = text.encode("utf-8", "surrogatepass")
    return _decode_bytes(raw)


def encoding_label(encodings: set[str]) -> str:
    """Human names of the fallback encodings used, e.g. "Windows-1252"."""
    names = {"cp1252": "Windows-1252", "latin-1": "Latin-1"}
    return " or ".join(names.get(e, e) for e in sorted(encodings))


def decode_content(data: bytes) -> tuple[str, str | None]:
    """A file's bytes as text, and the fallback encoding used (None when it was UTF-8)."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    try:
        text, used = data.decode("utf-8"), None
    except UnicodeDecodeError:
        text, used = data.decode("latin-1"), "latin-1"
        for encoding in FALLBACK_ENCODINGS:
            try:
                text, used = data.decode(encoding), encoding
                break
            except UnicodeDecodeError:
                continue
    return text.replace("\x00", "\ufffd"), used
