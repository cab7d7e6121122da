"""JSON from outside (API bodies, Jira's webhooks, Connect callbacks), parsed strictly.

Python's `json` accepts what JSON does not (`NaN`, `Infinity`), lets a repeated key silently win, and
recurses once per nesting level (a body of 10,000 nested arrays raises RecursionError). Every body we
read from a caller goes through `parse_json`, so each of those is a refusal the caller can act on.
"""

from __future__ import annotations

import json
from typing import Any

# DESIGN.md "Bad input never reaches a 5xx": nesting deeper than this is refused before anything reads it.
MAX_JSON_DEPTH = 64


class JsonRefused(ValueError):
    """The text is not JSON we accept; the message says why in the caller's words."""


def _refuse_constant(name: str) -> Any:
    raise JsonRefused(f"{name} is not a JSON number")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    document: dict[str, Any] = {}
    for key, value in pairs:
        if key in document:
            raise JsonRefused(f"the key {key[:64]!r} appears twice in one object")
        document[key] = value
    return document


def _depth_exceeds(document: Any, limit: int) -> bool:
    """Whether containers in a parsed document nest deeper than `limit` (iterative: the walk cannot
    recurse, and it visits containers only)."""
    stack: list[tuple[Any, int]] = [(document, 1)]
    while stack:
        value, depth = stack.pop()
        children = value.values() if isinstance(value, dict) else value
        for child in children:
            if isinstance(child, dict | list):
                if depth + 1 > limit:
                    return True
                stack.append((child, depth + 1))
    return False


def parse_json(raw: str | bytes, *, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """The document in `raw`, or JsonRefused: not UTF-8, not JSON, `NaN`/`Infinity`, a repeated key, a
    number Python will not convert, or nesting deeper than `max_depth`."""
    if isinstance(raw, bytes):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise JsonRefused("the body is not UTF-8") from None
    else:
        text = raw
    too_deep = JsonRefused(f"the body is nested deeper than {max_depth} levels")
    try:
        document = json.loads(text, parse_constant=_refuse_constant, object_pairs_hook=_unique_keys)
    except JsonRefused:
        raise
    except RecursionError:
        # The C decoder stops safely at the interpreter's recursion limit (about 1,000 levels).
        raise too_deep from None
    except ValueError as error:
        # json.JSONDecodeError, and int() refusing a number with more digits than Python converts.
        raise JsonRefused(f"the body is not valid JSON ({_short(error)})") from None
    if isinstance(document, dict | list) and _depth_exceeds(document, max_depth):
        raise too_deep
    return document


def _short(error: ValueError) -> str:
    text = str(error)
    return text if len(text) <= 120 else text[:117] + "..."
