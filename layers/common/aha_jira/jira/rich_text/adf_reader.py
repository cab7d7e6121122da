"""Atlassian Document Format read back as plain text (a description written in Jira Cloud)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

__all__ = ["adf_to_text"]

# Deeper documents are cut off rather than risking the recursion limit on hostile input.
_MAX_READ_DEPTH = 100
_LIST_TYPES = ("bulletList", "orderedList")
_INLINE_TYPES = frozenset(
    {"text", "hardBreak", "mention", "emoji", "inlineCard", "date", "status", "placeholder", "mediaInline"}
)


def adf_to_text(adf: dict[str, Any] | None) -> str:
    """Plain text of an ADF document (e.g. a description written in Jira), never raising.

    Blocks are separated by a blank line, list items are `- ` / `1. ` lines indented two spaces
    per level, table rows are lines with cells joined by ` | `, hard breaks are newlines."""
    node: object = adf
    if isinstance(node, str):
        # Jira answers with a string when the field holds wiki/plain text.
        return node.strip()
    if not isinstance(node, dict):
        return ""
    return "\n\n".join(_text_blocks(_children(node), 0)).strip()


def _children(node: dict[str, Any]) -> list[dict[str, Any]]:
    content = node.get("content")
    if not isinstance(content, list):
        return []
    return [child for child in content if isinstance(child, dict)]


def _attr(node: dict[str, Any], name: str) -> object:
    attrs = node.get("attrs")
    return attrs.get(name) if isinstance(attrs, dict) else None


def _text_blocks(nodes: list[dict[str, Any]], depth: int) -> list[str]:
    if depth > _MAX_READ_DEPTH:
        return []
    blocks: list[str] = []
    loose: list[dict[str, Any]] = []  # inline nodes found where blocks belong

    def flush_loose() -> None:
        if loose:
            blocks.append(_inline_text(loose, depth))
            loose.clear()

    for node in nodes:
        kind = node.get("type")
        if kind in _INLINE_TYPES:
            loose.append(node)
            continue
        flush_loose()
        if kind in ("paragraph", "heading"):
            blocks.append(_inline_text(_children(node), depth))
        elif kind == "codeBlock":
            blocks.append("".join(_string(child.get("text")) for child in _children(node)))
        elif kind in _LIST_TYPES:
            blocks.append("\n".join(_list_lines(node, 0, depth)))
        elif kind == "table":
            blocks.append("\n".join(_table_lines(node, depth)))
        elif kind in ("taskList", "decisionList"):
            blocks.append("\n".join("- " + _inline_text(_children(item), depth) for item in _children(node)))
        elif kind in ("blockCard", "embedCard"):
            blocks.append(_string(_attr(node, "url")))
        elif kind in ("rule", "media", "mediaGroup", "mediaSingle"):
            continue
        else:
            # blockquote, panel, expand, layouts, extensions and anything newer: their content.
            blocks.extend(_text_blocks(_children(node), depth + 1))
    flush_loose()
    return [block for block in blocks if block.strip()]


def _list_lines(node: dict[str, Any], level: int, depth: int) -> list[str]:
    if depth > _MAX_READ_DEPTH:
        return []
    order = _attr(node, "order")
    start = order if isinstance(order, int) and not isinstance(order, bool) else 1
    ordered = node.get("type") == "orderedList"
    lines: list[str] = []
    for number, item in enumerate(_children(node), start=start):
        prefix = "  " * level + (f"{number}. " if ordered else "- ")
        first = True
        for child in _children(item):
            if child.get("type") in _LIST_TYPES:
                lines.extend(_list_lines(child, level + 1, depth + 1))
                first = False
                continue
            # An item's later paragraphs continue its text on their own lines, unprefixed.
            for text in _text_blocks([child], depth + 1):
                lines.append(prefix + text if first else text)
                first = False
    return lines


def _table_lines(node: dict[str, Any], depth: int) -> list[str]:
    lines: list[str] = []
    for row in _children(node):
        cells = ["\n".join(_text_blocks(_children(cell), depth + 1)) for cell in _children(row)]
        lines.append(" | ".join(cells).rstrip())
    return lines


def _inline_text(nodes: list[dict[str, Any]], depth: int) -> str:
    parts: list[str] = []
    for node in nodes:
        kind = node.get("type")
        if kind == "text":
            parts.append(_string(node.get("text")))
        elif kind == "hardBreak":
            parts.append("\n")
        elif kind in ("mention", "status"):
            parts.append(_string(_attr(node, "text")))
        elif kind == "emoji":
            parts.append(_string(_attr(node, "text")) or _string(_attr(node, "shortName")))
        elif kind == "inlineCard":
            parts.append(_string(_attr(node, "url")))
        elif kind == "date":
            parts.append(_date(_attr(node, "timestamp")))
        elif depth < _MAX_READ_DEPTH:
            parts.append(_inline_text(_children(node), depth + 1))
    return "".join(parts)


def _string(value: object) -> str:
    return value if isinstance(value, str) else ""


def _date(timestamp: object) -> str:
    # ADF dates are milliseconds since the epoch, as a string.
    try:
        millis = int(str(timestamp))
        return datetime.fromtimestamp(millis / 1000, tz=UTC).date().isoformat()
    except (ValueError, OverflowError, OSError):
        return ""
