"""JSON from outside (API bodies, Jira's webhooks, Connect callbacks), parsed strictly.

Python's `json` accepts what JSON does not (`NaN`, `Infinity`), lets a repeated key silently win,
recurses once per nesting level (a body of 10,000 nested arrays raises RecursionError), and keeps a
lone surrogate (`"\\ud800"`) that no later encoder can write. Every body we read from a caller goes
through `parse_json`, so each of those is a refusal the caller can act on.
"""

from __future__ import annotations

import json
import math
from typing import Any

# DESIGN.md "Bad input never reaches a 5xx": nesting deeper than this is refused before anything reads it.
MAX_JSON_DEPTH = 64
# How much of a too-deep path the refusal names: enough to find the key, not a 64-part string.
_PATH_SHOWN = 8


class JsonRefused(ValueError):
    """The text is not JSON we accept; the message says why in the caller's words. `path` names the
    key where the problem is (dotted, list indexes as numbers) when it is known."""

    def __init__(self, message: str, *, path: str = "") -> None:
        super().__init__(f"{path}: {message}" if path else message)
        self.reason = message
        self.path = path


def _refuse_constant(name: str) -> Any:
    raise JsonRefused(f"{name} is not a JSON number")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    document: dict[str, Any] = {}
    for key, value in pairs:
        if key in document:
            raise JsonRefused(f"the key {key[:64]!r} appears twice in one object")
        document[key] = value
    return document


def _encodable(text: str) -> bool:
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _shown(path: list[str | int]) -> str:
    parts = [str(part) for part in path[:_PATH_SHOWN]]
    return ".".join(parts) + (".…" if len(path) > _PATH_SHOWN else "")


def _check_document(document: Any, max_depth: int) -> None:
    """Refuse containers nested deeper than `max_depth`, strings no encoder can write and numbers too
    large to be finite (iterative: the walk cannot recurse)."""
    stack: list[tuple[Any, int, list[str | int]]] = [(document, 1, [])]
    while stack:
        value, depth, path = stack.pop()
        items: Any = value.items() if isinstance(value, dict) else enumerate(value)
        for key, child in items:
            if isinstance(key, str) and not _encodable(key):
                raise JsonRefused("a key is not valid Unicode (a lone surrogate)", path=_shown(path))
            if isinstance(child, dict | list):
                if depth + 1 > max_depth:
                    raise JsonRefused(f"nested deeper than {max_depth} levels", path=_shown([*path, key]))
                stack.append((child, depth + 1, [*path, key]))
            elif isinstance(child, str) and not _encodable(child):
                raise JsonRefused("not valid Unicode (a lone surrogate)", path=_shown([*path, key]))
            elif isinstance(child, float) and math.isinf(child):
                # `1e400` is valid JSON, yet Python reads it as infinity: no field takes that number.
                raise JsonRefused("the number is too large", path=_shown([*path, key]))


def parse_json(raw: str | bytes, *, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """The document in `raw`, or JsonRefused: not UTF-8, not JSON, `NaN`/`Infinity`, a repeated key, a
    number Python will not convert, a lone surrogate, or nesting deeper than `max_depth`."""
    if isinstance(raw, bytes):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise JsonRefused("the body is not UTF-8") from None
    else:
        text = raw
    try:
        document = json.loads(
            text,
            parse_constant=_refuse_constant,
            object_pairs_hook=_unique_keys,
        )
    except JsonRefused:
        raise
    except RecursionError:
        # The C decoder stops safely at the interpreter's recursion limit (about 1,000 levels).
        raise JsonRefused(f"the body is nested deeper than {max_depth} levels") from None
    except ValueError as error:
        # json.JSONDecodeError, and int() refusing a number with more digits than Python converts.
        raise JsonRefused(f"the body is not valid JSON ({_short(error)})") from None
    if isinstance(document, dict | list):
        _check_document(document, max_depth)
    elif isinstance(document, str) and not _encodable(document):
        raise JsonRefused("the body is not valid Unicode (a lone surrogate)")
    elif isinstance(document, float) and math.isinf(document):
        raise JsonRefused("the number is too large")
    return document


def _short(error: ValueError) -> str:
    text = str(error)
    return text if len(text) <= 120 else text[:117] + "..."
