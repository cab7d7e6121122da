"""Looking for secrets where they must not be, in every spelling a log line or an answer could give one.

Written apart from the product's redaction (`aha_jira.redaction`) on purpose: a scan that
reused its list of spellings would miss exactly what the redaction misses.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from urllib.parse import quote, quote_plus


def _inside_quotes(text: str, prefix: int = 1) -> str:
    return text[prefix:-1]


def spellings(secret: str) -> dict[str, str]:
    """The secret raw, JSON-escaped, as Python's repr/ascii of the text and of its bytes (in each quoting),
    unicode-escaped, URL-encoded; and each of these JSON-escaped once more (a log line is JSON)."""
    forms = {
        "raw": secret,
        "json": json.dumps(secret)[1:-1],
        "json-unicode": json.dumps(secret, ensure_ascii=False)[1:-1],
        "repr": _inside_quotes(repr(secret)),
        "repr-both-quotes": _inside_quotes(repr(secret + "'\""))[:-3],
        "ascii": _inside_quotes(ascii(secret)),
        "unicode-escape": secret.encode("unicode_escape").decode(),
        "utf8-bytes-repr": _inside_quotes(repr(secret.encode()), 2),
        "utf8-bytes-repr-both-quotes": _inside_quotes(repr(secret.encode() + b"'\""), 2)[:-3],
        "quote": quote(secret, safe=""),
        "quote-path": quote(secret),
        "quote-lowercase": re.sub(
            r"%[0-9A-F]{2}", lambda found: found.group().lower(), quote(secret, safe="")
        ),
        "quote-plus": quote_plus(secret),
    }
    if '"' not in secret:
        forms["repr-double-quotes"] = _inside_quotes(repr(secret + "'"))[:-1]
    if all(ord(character) < 256 for character in secret):
        forms["latin1-bytes-repr"] = _inside_quotes(repr(secret.encode("latin-1")), 2)
    for name, form in list(forms.items()):
        forms[f"json-of-{name}"] = json.dumps(form)[1:-1]
    return forms


def leaks(corpus: str, secrets: Mapping[str, str]) -> list[str]:
    """`label: spelling` for each secret (by label) found in the corpus in any spelling."""
    found = []
    for label, secret in secrets.items():
        for name, form in spellings(secret).items():
            if form in corpus:
                found.append(f"{label}: {name}")
    return found
