"""X-Hub-Signature: HMAC-SHA256 of the raw body, hex, compared in constant time."""

from __future__ import annotations

import pytest

from aha_jira.webhooks.signature import hub_signature, signature_matches

# Atlassian's documented vector (reference README).
VECTOR_SECRET = "It's a Secret to Everybody"
VECTOR_BODY = b"Hello World!"
VECTOR_SIGNATURE = "sha256=a4771c39fbe90f317c7824e83ddef3caae9cb3d976c214ace1f2937e133263c9"


def test_atlassians_vector() -> None:
    assert hub_signature(VECTOR_SECRET, VECTOR_BODY) == VECTOR_SIGNATURE
    assert signature_matches(VECTOR_SECRET, VECTOR_BODY, VECTOR_SIGNATURE)


def test_hex_case_and_surrounding_space_do_not_matter() -> None:
    assert signature_matches(VECTOR_SECRET, VECTOR_BODY, "  SHA256=" + VECTOR_SIGNATURE[7:].upper() + " ")


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "sha256=",
        VECTOR_SIGNATURE[:-1],
        VECTOR_SIGNATURE + "00",
        "sha1=" + VECTOR_SIGNATURE[7:],
        VECTOR_SIGNATURE[7:],  # no algorithm
        "sha256=ä" + VECTOR_SIGNATURE[8:],
    ],
)
def test_anything_else_does_not_match(header: str | None) -> None:
    assert not signature_matches(VECTOR_SECRET, VECTOR_BODY, header)


def test_the_signature_covers_every_byte() -> None:
    assert not signature_matches(VECTOR_SECRET, VECTOR_BODY + b"\n", VECTOR_SIGNATURE)
    assert not signature_matches(VECTOR_SECRET + " ", VECTOR_BODY, VECTOR_SIGNATURE)
