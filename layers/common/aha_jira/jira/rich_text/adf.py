"""HTML → Atlassian Document Format (Jira Cloud, REST v3) and ADF → plain text.

The output keeps to the parts of the ADF schema Jira Cloud accepts in create/edit bodies: a
`doc` of paragraphs, headings, lists, code blocks, blockquotes, rules and tables; inline text,
hard breaks and the strong/em/underline/strike/code/link marks. Where HTML nests something ADF
does not allow (a heading in a list item, a table in a list item, a quote in a quote, a rule in a
quote) the content is kept in the nearest allowed form rather than dropped.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from html import unescape
from typing import Any

from .document import (
    STRONG,
    Block,
    Cell,
    CodeBlock,
    Document,
    HardBreak,
    Heading,
    Image,
    Inline,
    ListBlock,
    Mark,
    MarkKind,
    Paragraph,
    Quote,
    Rule,
    Span,
    Table,
    with_mark,
)
from .flattening import inline_lines
from .html_reader import build_document
from .html_tree import clean_chars
from .table_layout import layout_table

__all__ = ["adf_to_text", "document_to_adf", "html_to_adf"]

logger = logging.getLogger(__name__)

type AdfNode = dict[str, Any]

_MARK_NAMES = {
    MarkKind.STRONG: "strong",
    MarkKind.EM: "em",
    MarkKind.UNDERLINE: "underline",
    MarkKind.STRIKE: "strike",
    MarkKind.CODE: "code",
    MarkKind.LINK: "link",
}

# Block types each ADF container accepts (the subset of the schema this converter produces).
_IN_DOC: tuple[type, ...] = (Paragraph, Heading, ListBlock, CodeBlock, Quote, Rule, Table)
_IN_LIST_ITEM: tuple[type, ...] = (Paragraph, CodeBlock, ListBlock)
_IN_QUOTE: tuple[type, ...] = (Paragraph, CodeBlock, ListBlock)
_IN_CELL: tuple[type, ...] = (Paragraph, Heading, ListBlock, CodeBlock, Quote, Rule)


def html_to_adf(html: str) -> AdfNode:
    """Convert an HTML fragment to an ADF document. Never raises; "" gives an empty document."""
    try:
        return document_to_adf(build_document(html))
    except Exception:
        # A description must never block a send: fall back to its plain text.
        logger.exception("HTML to ADF conversion failed; sending the description as plain text")
        return _plain_text_doc(html)


def document_to_adf(document: Document) -> AdfNode:
    return {"type": "doc", "version": 1, "content": _blocks(document.blocks, _IN_DOC)}


def _plain_text_doc(html: str) -> AdfNode:
    text = clean_chars(unescape(re.sub(r"<[^>]*>", " ", html or "")))
    text = " ".join(text.split())
    content = [{"type": "paragraph", "content": [{"type": "text", "text": text}]}] if text else []
    return {"type": "doc", "version": 1, "content": content}


# -- rendering --------------------------------------------------------------------------------


def _fit(blocks: Sequence[Block], allowed: tuple[type, ...]) -> list[Block]:
    """Rewrite blocks the container cannot hold into ones it can."""
    fitted: list[Block] = []
    for block in blocks:
        if isinstance(block, allowed):
            fitted.append(block)
        elif isinstance(block, Heading):
            fitted.append(Paragraph(with_mark(block.inlines, STRONG)))
        elif isinstance(block, Quote):
            fitted.extend(_fit(block.blocks, allowed))
        elif isinstance(block, Rule):
            continue
        else:
            fitted.extend(Paragraph(line) for line in inline_lines([block]))
    return fitted


def _blocks(blocks: Sequence[Block], allowed: tuple[type, ...]) -> list[AdfNode]:
    nodes: list[AdfNode] = []
    for block in _fit(blocks, allowed):
        node = _block(block)
        if node is not None:
            nodes.append(node)
    return nodes


def _block(block: Block) -> AdfNode | None:  # noqa: PLR0911 - one branch per block type
    if isinstance(block, Paragraph):
        return {"type": "paragraph", "content": _inlines(block.inlines)}
    if isinstance(block, Heading):
        return {"type": "heading", "attrs": {"level": block.level}, "content": _inlines(block.inlines)}
    if isinstance(block, CodeBlock):
        node: AdfNode = {"type": "codeBlock"}
        if block.language:
            node["attrs"] = {"language": block.language}
        node["content"] = [{"type": "text", "text": block.text}] if block.text else []
        return node
    if isinstance(block, ListBlock):
        return _list(block)
    if isinstance(block, Quote):
        content = _blocks(block.blocks, _IN_QUOTE)
        return {"type": "blockquote", "content": content} if content else None
    if isinstance(block, Rule):
        return {"type": "rule"}
    return _table(block)


def _list(block: ListBlock) -> AdfNode:
    items: list[AdfNode] = []
    for item in block.items:
        content = _blocks(item, _IN_LIST_ITEM)
        # A list item must start with a paragraph or code block, never a nested list.
        if not content or content[0]["type"] not in ("paragraph", "codeBlock"):
            content.insert(0, {"type": "paragraph", "content": []})
        items.append({"type": "listItem", "content": content})
    node: AdfNode = {"type": "orderedList" if block.ordered else "bulletList"}
    if block.ordered and block.start != 1:
        node["attrs"] = {"order": block.start}
    node["content"] = items
    return node


def _table(table: Table) -> AdfNode:
    layout = layout_table(table)
    rows: list[AdfNode] = []
    for placed, covered in zip(layout.placed, layout.covered, strict=True):
        cells = [_cell(cell) for _, cell in placed]
        # Pad ragged rows so every row spans the full width; Jira's editor mangles ragged tables.
        all_headers = all(cell.header for _, cell in placed)
        holes = sum(1 for slot in covered if slot is None)
        cells.extend(_cell(Cell(all_headers, [])) for _ in range(holes))
        rows.append({"type": "tableRow", "content": cells})
    return {
        "type": "table",
        "attrs": {"isNumberColumnEnabled": False, "layout": "default"},
        "content": rows,
    }


def _cell(cell: Cell) -> AdfNode:
    node: AdfNode = {"type": "tableHeader" if cell.header else "tableCell"}
    spans = {
        name: value for name, value in (("colspan", cell.colspan), ("rowspan", cell.rowspan)) if value > 1
    }
    if spans:
        node["attrs"] = spans
    # A cell must hold at least one block.
    node["content"] = _blocks(cell.blocks, _IN_CELL) or [{"type": "paragraph", "content": []}]
    return node


def _inlines(inlines: Sequence[Inline]) -> list[AdfNode]:
    nodes: list[AdfNode] = []
    for inline in inlines:
        if isinstance(inline, HardBreak):
            nodes.append({"type": "hardBreak"})
            continue
        if isinstance(inline, Span):
            text, marks = inline.text, inline.marks
        else:
            text, marks = _image_text(inline)
        if not text:
            continue
        node: AdfNode = {"type": "text", "text": text}
        adf_marks = _marks(marks)
        if adf_marks:
            node["marks"] = adf_marks
        nodes.append(node)
    return _merge_text_nodes(nodes)


def _merge_text_nodes(nodes: list[AdfNode]) -> list[AdfNode]:
    # Marks ADF cannot combine with code are dropped above, so neighbours can become mergeable.
    merged: list[AdfNode] = []
    for node in nodes:
        previous = merged[-1] if merged else None
        if (
            previous is not None
            and node["type"] == previous["type"] == "text"
            and previous.get("marks") == node.get("marks")
        ):
            previous["pieces"].append(node["text"])
            continue
        merged.append({**node, "pieces": [node["text"]]} if node["type"] == "text" else node)
    for node in merged:
        if node["type"] == "text":
            node["text"] = "".join(node.pop("pieces"))
    return merged


def _image_text(image: Image) -> tuple[str, frozenset[Mark]]:
    # Jira Cloud only renders media it hosts; an external image becomes a link to it, labelled
    # with its alt text (or its URL), unless the image already sits inside a link.
    text = image.alt or image.src
    if any(mark.kind is MarkKind.LINK for mark in image.marks):
        return text, image.marks
    return text, image.marks | {Mark(MarkKind.LINK, image.src)}


def _marks(marks: frozenset[Mark]) -> list[AdfNode]:
    kinds = {mark.kind for mark in marks}
    if MarkKind.CODE in kinds:
        # ADF allows only link alongside code.
        marks = frozenset(mark for mark in marks if mark.kind in (MarkKind.CODE, MarkKind.LINK))
    result: list[AdfNode] = []
    for mark in sorted(marks):
        if mark.kind is MarkKind.LINK:
            result.append({"type": "link", "attrs": {"href": mark.href}})
        else:
            result.append({"type": _MARK_NAMES[mark.kind]})
    return result


# -- reading ----------------------------------------------------------------------------------

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
