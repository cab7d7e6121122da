"""The `Document` written as Atlassian Document Format (Jira Cloud, REST v3).

The output keeps to the parts of the ADF schema Jira Cloud accepts in create/edit bodies: a
`doc` of paragraphs, headings, lists, code blocks, blockquotes, rules and tables; inline text,
hard breaks and the strong/em/underline/strike/code/link marks. Where HTML nests something ADF
does not allow (a heading in a list item, a table in a list item, a quote in a quote, a rule in a
quote) the content is kept in the nearest allowed form rather than dropped.
"""

from __future__ import annotations

from collections.abc import Sequence
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
from .table_layout import layout_table

__all__ = ["AdfNode", "document_to_adf"]

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


def document_to_adf(document: Document) -> AdfNode:
    """The ADF `doc` of the document."""
    return {"type": "doc", "version": 1, "content": _blocks(document.blocks, _IN_DOC)}


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
