"""Atlassian Document Format read back as roadmap HTML (a description or comment written in Jira Cloud).

ADF is read into the format-neutral `Document` and written by `html_writer`, so what comes back is the
plain HTML the roadmap's editor and our HTML reader take. What the document has no place for keeps its
words: panels and expands are quotes and bold titles, mentions, emoji, dates and statuses are their text,
cards are links, decisions are a bullet list, extensions are dropped. Media of type `file` (uploaded
through Jira's editor: a Media Services id, no URL) are shown from `media_url` when the caller can say
where, else by their alt text. Never raises: input nobody foresaw gives its plain text.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape
from typing import Any

from .adf_reader import adf_to_text
from .colors import css_color
from .document import (
    NO_MARKS,
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
    Marks,
    Paragraph,
    Quote,
    Row,
    Rule,
    Span,
    Table,
    TaskItem,
    TaskList,
)
from .html_tree import clean_chars
from .html_writer import document_to_html
from .inline_runs import merge_spans
from .links import IMAGE_SCHEMES, safe_href

__all__ = ["MediaUrl", "adf_document", "adf_to_html"]

logger = logging.getLogger(__name__)

# A media node's attrs → the URL its file can be shown from (None: not known; its alt text is kept).
type MediaUrl = Callable[[dict[str, Any]], str | None]
_MAX_DEPTH = 100
_SIMPLE_MARKS = {
    "strong": Mark(MarkKind.STRONG),
    "em": Mark(MarkKind.EM),
    "underline": Mark(MarkKind.UNDERLINE),
    "strike": Mark(MarkKind.STRIKE),
    "code": Mark(MarkKind.CODE),
}
_LISTS = ("bulletList", "orderedList")
_QUOTES = ("blockquote", "panel")
_CONTAINERS = ("layoutSection", "layoutColumn", "bodiedExtension", "multiBodiedExtension", "extensionFrame",
               "syncBlock", "bodiedSyncBlock")  # fmt: skip


def _no_media(_attrs: dict[str, Any]) -> str | None:
    return None


def adf_to_html(adf: object, media_url: MediaUrl = _no_media) -> str:
    """Roadmap HTML of an ADF document (a string, as Jira answers for wiki fields, is escaped text)."""
    if isinstance(adf, str):
        return "".join(f"<p>{escape(line)}</p>" for line in adf.split("\n\n") if line.strip())
    try:
        return document_to_html(adf_document(adf, media_url))
    except Exception:
        logger.exception("ADF could not be read as HTML; keeping its plain text")
        text = adf_to_text(adf if isinstance(adf, dict) else None)
        return "".join(f"<p>{escape(block)}</p>" for block in text.split("\n\n") if block.strip())


def adf_document(adf: object, media_url: MediaUrl = _no_media) -> Document:
    """The document an ADF value describes; anything that is not an ADF object is an empty document."""
    if not isinstance(adf, dict):
        return Document([])
    return Document(_Reader(media_url).blocks(_children(adf), 0))


def _children(node: dict[str, Any]) -> list[dict[str, Any]]:
    content = node.get("content")
    return [child for child in content if isinstance(child, dict)] if isinstance(content, list) else []


def _attrs(node: dict[str, Any]) -> dict[str, Any]:
    attrs = node.get("attrs")
    return attrs if isinstance(attrs, dict) else {}


def _string(value: object) -> str:
    return clean_chars(value) if isinstance(value, str) else ""


@dataclass
class _Reader:
    media_url: MediaUrl

    def blocks(self, nodes: list[dict[str, Any]], depth: int) -> list[Block]:
        if depth > _MAX_DEPTH:
            return []
        blocks: list[Block] = []
        loose: list[Inline] = []  # inline nodes found where blocks belong
        for node in nodes:
            inline = self.inline(node, NO_MARKS, depth)
            if inline is not None:
                loose.extend(inline)
                continue
            if loose:
                blocks.append(Paragraph(merge_spans(loose)))
                loose = []
            blocks.extend(self.block(node, depth))
        if loose:
            blocks.append(Paragraph(merge_spans(loose)))
        return [block for block in blocks if not (isinstance(block, Quote) and not block.blocks)]

    def block(self, node: dict[str, Any], depth: int) -> list[Block]:  # noqa: PLR0911, PLR0912
        kind = node.get("type")
        if kind == "paragraph":
            inlines = self.inlines(_children(node), depth)
            return [Paragraph(inlines)] if inlines else []
        if kind == "heading":
            level = _attrs(node).get("level")
            level = level if isinstance(level, int) and 1 <= level <= 6 else 1
            return [Heading(level, self.inlines(_children(node), depth))]
        if kind == "codeBlock":
            language = _attrs(node).get("language")
            text = "".join(_string(child.get("text")) for child in _children(node))
            return [CodeBlock(text, language.lower() if isinstance(language, str) and language else None)]
        if kind in _LISTS:
            return [self.list_block(node, depth)]
        if kind == "taskList":
            return [self.task_list(node, depth)]
        if kind == "decisionList":
            return [
                ListBlock(
                    False, [[Paragraph(self.inlines(_children(item), depth))] for item in _children(node)]
                )
            ]
        if kind in _QUOTES:
            return [Quote(self.blocks(_children(node), depth + 1))]
        if kind in ("expand", "nestedExpand"):
            title = _string(_attrs(node).get("title"))
            heading: list[Block] = [Paragraph([Span(title, frozenset({STRONG}))])] if title else []
            return heading + self.blocks(_children(node), depth + 1)
        if kind == "rule":
            return [Rule()]
        if kind == "table":
            return [self.table(node, depth)]
        if kind in ("mediaSingle", "mediaGroup"):
            images = [image for child in _children(node) for image in self.media(child, NO_MARKS)]
            return [Paragraph(images)] if images else []
        if kind in ("blockCard", "embedCard"):
            url = safe_href(_string(_attrs(node).get("url")))
            return [Paragraph([Span(url, frozenset({Mark(MarkKind.LINK, url)}))])] if url else []
        if kind in _CONTAINERS:
            return self.blocks(_children(node), depth + 1)
        return []  # extensions and anything newer without content: nothing to show

    def list_block(self, node: dict[str, Any], depth: int) -> ListBlock:
        order = _attrs(node).get("order")
        start = order if isinstance(order, int) and not isinstance(order, bool) and order >= 0 else 1
        items = [self.blocks(_children(item), depth + 1) for item in _children(node)]
        return ListBlock(node.get("type") == "orderedList", [item for item in items if item], start)

    def task_list(self, node: dict[str, Any], depth: int) -> TaskList:
        items: list[TaskItem] = []
        for child in _children(node):
            kind = child.get("type")
            if kind == "taskList" and depth < _MAX_DEPTH:
                # A nested checklist belongs to the item before it.
                nested = self.task_list(child, depth + 1)
                if items:
                    items[-1].blocks.append(nested)
                else:
                    items.append(TaskItem(False, [nested]))
            elif kind in ("taskItem", "blockTaskItem"):
                checked = _attrs(child).get("state") == "DONE"
                if kind == "taskItem":
                    inlines = self.inlines(_children(child), depth)
                    blocks: list[Block] = [Paragraph(inlines)] if inlines else []
                else:
                    blocks = self.blocks(_children(child), depth + 1)
                items.append(TaskItem(checked, blocks))
        return TaskList([item for item in items if item.blocks])

    def table(self, node: dict[str, Any], depth: int) -> Table:
        rows: list[Row] = []
        for row in _children(node):
            cells: list[Cell] = []
            for cell in _children(row):
                attrs = _attrs(cell)
                cells.append(
                    Cell(
                        cell.get("type") == "tableHeader",
                        self.blocks(_children(cell), depth + 1),
                        _span(attrs.get("colspan")),
                        _span(attrs.get("rowspan")),
                    )
                )
            if cells:
                rows.append(Row(cells))
        return Table(rows)

    def inlines(self, nodes: list[dict[str, Any]], depth: int) -> list[Inline]:
        found: list[Inline] = []
        for node in nodes:
            inline = self.inline(node, NO_MARKS, depth)
            if inline is not None:
                found.extend(inline)
        # No break at either edge, as the HTML reader would read it.
        while found and isinstance(found[-1], HardBreak):
            found.pop()
        return merge_spans(found)

    def inline(self, node: dict[str, Any], marks: Marks, depth: int) -> list[Inline] | None:  # noqa: PLR0911
        """The inline content of an inline node; None when the node is a block."""
        kind = node.get("type")
        attrs = _attrs(node)
        if kind == "text":
            text = _string(node.get("text"))
            return [Span(text, _marks(node.get("marks"), marks))] if text else []
        if kind == "hardBreak":
            return [HardBreak()]
        if kind in ("mention", "status"):
            return _text(_string(attrs.get("text")), marks)
        if kind == "emoji":
            return _text(_string(attrs.get("text")) or _string(attrs.get("shortName")), marks)
        if kind == "inlineCard":
            url = safe_href(_string(attrs.get("url")))
            return [Span(url, marks | {Mark(MarkKind.LINK, url)})] if url else []
        if kind == "date":
            return _text(_date(attrs.get("timestamp")), marks)
        if kind == "mediaInline":
            return self.media(node, marks)
        if kind in ("placeholder", "inlineExtension"):
            return []
        return None

    def media(self, node: dict[str, Any], marks: Marks) -> list[Inline]:
        if node.get("type") not in ("media", "mediaInline"):
            return []
        attrs = _attrs(node)
        alt = _string(attrs.get("alt"))
        own = _marks(node.get("marks"), marks)
        url = _string(attrs.get("url")) if attrs.get("type") == "external" else self.media_url(attrs) or ""
        src = safe_href(url, IMAGE_SCHEMES)
        if src is None:
            return _text(alt, own)
        return [Image(src, alt, own)]


def _span(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 1000 else 1


def _text(text: str, marks: Marks) -> list[Inline]:
    return [Span(text, marks)] if text else []


def _marks(raw: object, marks: Marks) -> Marks:
    found = set(marks)
    for mark in raw if isinstance(raw, list) else []:
        if not isinstance(mark, dict):
            continue
        kind = mark.get("type")
        attrs = _attrs(mark)
        if kind in _SIMPLE_MARKS:
            found.add(_SIMPLE_MARKS[str(kind)])
        elif kind == "subsup":
            found -= {Mark(MarkKind.SUB), Mark(MarkKind.SUP)}
            found.add(Mark(MarkKind.SUB if attrs.get("type") == "sub" else MarkKind.SUP))
        elif kind == "textColor":
            color = css_color(_string(attrs.get("color")))
            if color:
                found = {m for m in found if m.kind is not MarkKind.COLOR} | {
                    Mark(MarkKind.COLOR, color=color)
                }
        elif kind == "link":
            href = safe_href(_string(attrs.get("href")))
            if href:
                found = {m for m in found if m.kind is not MarkKind.LINK} | {Mark(MarkKind.LINK, href)}
    return frozenset(found)


def _date(timestamp: object) -> str:
    # ADF dates are milliseconds since the epoch, as a string.
    try:
        return datetime.fromtimestamp(int(str(timestamp)) / 1000, tz=UTC).date().isoformat()
    except (ValueError, OverflowError, OSError):
        return ""
