"""Secret redaction at the source: every log line passes through `redact` before it is written.

Two nets, because either alone leaks: key names that hold secrets (whatever their value) and the
secret values themselves, registered when they are read or written (whatever key or text carries them,
e.g. an exception message or a URL).
"""

from __future__ import annotations

import re
import threading
from typing import Any

REDACTED = "[REDACTED]"

# Keys whose values are secrets wherever they appear (compared case-insensitively, '-' == '_').
_SECRET_KEY = re.compile(
    r"^(api_?token|password|passwd|token|secret|shared_?secret|webhook_?secret|client_?secret|"
    r"authorization|x_api_key|api_key|private_?key|access_?token|refresh_?token|jwt|cookie|set_cookie)$"
)
# Shorter values are too likely to match innocent text; real secrets are long.
_MIN_SECRET_LENGTH = 6

_lock = threading.Lock()
_known_values: set[str] = set()


def register_secret(value: str | None) -> None:
    """Remember a secret value so that it is redacted wherever it shows up in a log line."""
    if value and len(value) >= _MIN_SECRET_LENGTH:
        with _lock:
            _known_values.add(value)


def is_secret_key(key: str) -> bool:
    return bool(_SECRET_KEY.match(key.lower().replace("-", "_")))


def redact_text(text: str) -> str:
    with _lock:
        values = sorted(_known_values, key=len, reverse=True)
    for value in values:
        if value in text:
            text = text.replace(value, REDACTED)
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
