"""Webhook signatures, checked before anything is parsed or stored."""

from __future__ import annotations

from reviewapp.github.signature import matching_secret, sign

# The test vector from GitHub's "Validating webhook deliveries" documentation.
DOCS_SECRET = "It's a Secret to Everybody"
DOCS_PAYLOAD = b"Hello, World!"
DOCS_SIGNATURE = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"


def test_signature_matches_githubs_documented_vector():
    assert sign(DOCS_SECRET, DOCS_PAYLOAD) == DOCS_SIGNATURE
    assert matching_secret(DOCS_SIGNATURE, DOCS_PAYLOAD, ["other", DOCS_SECRET]) == DOCS_SECRET


def test_wrong_missing_or_malformed_signatures_match_no_secret():
    assert matching_secret(None, DOCS_PAYLOAD, [DOCS_SECRET]) is None
    assert matching_secret("", DOCS_PAYLOAD, [DOCS_SECRET]) is None
    assert matching_secret(DOCS_SIGNATURE[7:], DOCS_PAYLOAD, [DOCS_SECRET]) is None  # no prefix
    assert matching_secret("sha1=" + DOCS_SIGNATURE[7:], DOCS_PAYLOAD, [DOCS_SECRET]) is None
    assert matching_secret(DOCS_SIGNATURE, b"Hello, World?", [DOCS_SECRET]) is None
    assert matching_secret(DOCS_SIGNATURE, DOCS_PAYLOAD, ["", "not it"]) is None
