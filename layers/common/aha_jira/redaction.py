"""Secret redaction at the source: every log line passes through `redact` before it is written.

Two nets, because either alone leaks: key names that hold secrets (whatever their value) and the
secret values themselves, registered when they are read or written (whatever key or text carries them,
e.g. an exception message or a URL).

A value is rarely quoted as it is: an exception message shows it as Python writes it (`repr()` of the
text or of its bytes: `\\r\\n`, `\\x00`, `\\u2603`), a dumped body JSON-escapes it, a URL percent-encodes it,
an HTTP basic header base64-encodes it behind a user name, and the log line's own JSON escapes all of
these once more. Each registered value is therefore redacted in every one of those spellings.

The registry sits at the bottom of the package (it imports nothing of ours): a secret is registered where it
first exists as a value (a request body's model, a secret read from the store, a signer's header), and
those places are below the integration log (docs/decisions.md).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import threading
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, quote_plus

REDACTED = "[REDACTED]"

# Keys whose values are secrets wherever they appear (compared case-insensitively, '-' == '_').
_SECRET_KEY = re.compile(
    r"^(api_?token|password|passwd|token|secret|shared_?secret|webhook_?secret|client_?secret|"
    r"authorization|x_api_key|api_key|private_?key|access_?token|refresh_?token|jwt|cookie|set_cookie)$"
)
# Shorter values are too likely to match innocent text; real secrets are long.
_MIN_SECRET_LENGTH = 6
# `Basic <base64 of user:secret>` in text (a dumped request header): decoded and checked against the
# registered values, since the user part is not known where the header is dumped.
_BASIC_CREDENTIALS = re.compile(r"(?i)(\bbasic\s+)([A-Za-z0-9+/]{8,}={0,2})")
_PERCENT_ESCAPE = re.compile(r"%[0-9A-F]{2}")

_lock = threading.Lock()
_known_values: tuple[str, ...] = ()
# Every spelling of every registered value, longest first (a longer spelling may contain a shorter one).
_spellings: tuple[str, ...] = ()


def _quoted_forms(text: Any, render: Callable[[Any], str], prefix: int) -> set[str]:
    """The inside of `render(text)` (repr or ascii, of str or bytes) in each quoting Python may choose for
    the text it is part of: `'...'` with `'` escaped, `"..."` with `'` bare, and the plain `'...'`."""
    quote_mark, both = ("'", "'\"") if isinstance(text, str) else (b"'", b"'\"")
    double = '"' if isinstance(text, str) else b'"'
    forms = {render(text)[prefix:-1], render(text + both)[prefix:-4]}
    if double not in text:
        forms.add(render(text + quote_mark)[prefix:-2])
    return forms


def _json_forms(text: str) -> set[str]:
    escaped = {json.dumps(text)[1:-1], json.dumps(text, ensure_ascii=False)[1:-1]}
    return escaped | {form.replace("/", "\\/") for form in escaped}


def spellings(value: str) -> set[str]:
    """How `value` may be written in a log line: raw, as Python's `repr`/`ascii` of the text and of its
    UTF-8 and Latin-1 bytes, unicode-escaped, JSON-escaped, URL-encoded; each of them JSON-escaped again."""
    forms = {value, value.encode("unicode_escape").decode("ascii")}
    forms |= _quoted_forms(value, repr, 1) | _quoted_forms(value, ascii, 1)
    for encoding in ("utf-8", "latin-1"):
        try:
            data = value.encode(encoding)
        except UnicodeEncodeError:
            continue
        forms |= _quoted_forms(data, repr, 2)
    forms |= _json_forms(value)
    for encoded in (quote(value, safe=""), quote(value), quote_plus(value), quote_plus(value, safe="/")):
        forms |= {encoded, _PERCENT_ESCAPE.sub(lambda escape: escape.group().lower(), encoded)}
    for form in list(forms):
        forms |= _json_forms(form)
    return {form for form in forms if len(form) >= _MIN_SECRET_LENGTH}


def register_secret(value: str | None) -> None:
    """Remember a secret value so that it is redacted wherever, and however escaped, it shows up in a
    log line."""
    global _known_values, _spellings  # noqa: PLW0603 - one registry per process, swapped whole under the lock
    if not value or len(value) < _MIN_SECRET_LENGTH:
        return
    with _lock:
        if value in _known_values:
            return
        _known_values = (*_known_values, value)
        _spellings = tuple(sorted(set(_spellings) | spellings(value), key=len, reverse=True))


def is_secret_key(key: str) -> bool:
    return bool(_SECRET_KEY.match(key.lower().replace("-", "_")))


def _redact_basic(found: re.Match[str]) -> str:
    try:
        decoded = base64.b64decode(found.group(2), validate=True).decode("utf-8", errors="replace")
    except (binascii.Error, ValueError):
        return found.group()
    _, separator, secret = decoded.partition(":")
    if separator and any(value in secret for value in _known_values):
        return found.group(1) + REDACTED
    return found.group()


def redact_text(text: str) -> str:
    # Tuples, read without the lock: register_secret replaces them whole.
    for spelling in _spellings:
        if spelling in text:
            text = text.replace(spelling, REDACTED)
    if _known_values:
        text = _BASIC_CREDENTIALS.sub(_redact_basic, text)
    return text


def redact(value: Any) -> Any:
    """Return a copy of `value` with secret keys and registered secret values replaced."""
    if isinstance(value, dict):
        return {
            key: (REDACTED if isinstance(key, str) and is_secret_key(key) and item else redact(item))
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [redact(item) for item in value]
    if isinstance(value, str):
        return redact_text(value)
    return value
