"""Webhook signatures: `X-Hub-Signature-256` is "sha256=" + hex HMAC-SHA256 of the raw body."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable


def sign(secret: str, body: bytes) -> str:
    """The header value GitHub sends for `body` under `secret`."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def matching_secret(header: str | None, body: bytes, secrets: Iterable[str]) -> str | None:
    """The secret whose signature equals the header (constant-time compare), else None."""
    if not header or not header.startswith("sha256="):
        return None
    found = None
    for secret in secrets:
        # Compare against every secret so the time taken does not say which one matched.
        if secret and hmac.compare_digest(sign(secret, body), header):
            found = secret
    return found
