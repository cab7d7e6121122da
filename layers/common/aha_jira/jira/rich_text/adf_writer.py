"""The `Document` written as Atlassian Document Format (Jira Cloud, REST v3).

The output validates against Atlassian's full ADF schema (the tests check every document against it): a
`doc` of paragraphs, headings, lists, checklists (`taskList`), code blocks, blockquotes, rules, tables and
images (`mediaSingle`); inline text and hard breaks with the strong/em/underline/strike/code/subsup/
textColor/link marks. Where HTML nests something ADF does not allow the content is kept in the nearest
allowed form rather than dropped (docs/rich-text.md lists each case):
- a heading in a list item or quote becomes a bold paragraph; a table, quote or rule in a list item is
  flattened into lines; a quote in a quote joins the outer one; a rule in a quote is dropped;
- an image is a block of its own (`mediaSingle`), so it splits the paragraph it was in, and follows the
  heading it was in; in a checklist item (inline content only) it is a link labelled with its alt text;
- a checklist item holds one line of inline content: its further blocks join it as lines; a checklist in a
  quote (which cannot hold one) is a bullet list whose items start with ☑ or ☐;
- marks ADF does not combine with code are dropped from code.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
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
    TaskItem,
    TaskList,
    join_inlines,
    with_mark,
)
from .flattening import CHECKED_PREFIX, UNCHECKED_PREFIX, inline_lines, task_list_as_bullets
from .hosting import ImageHost, no_hosting
from .table_layout import layout_table

__all__ = ["AdfNode", "document_to_adf"]

type AdfNode = dict[str, Any]

_MARK_NAMES = {
    MarkKind.STRONG: "strong",
    MarkKind.EM: "em",
    MarkKind.UNDERLINE: "underline",
    MarkKind.STRIKE: "strike",
    MarkKind.CODE: "code",
}

# Block types each ADF container accepts (the subset of the schema this converter produces).
_IN_DOC: tuple[type, ...] = (Paragraph, Heading, ListBlock, TaskList, CodeBlock, Quote, Rule, Table)
_IN_LIST_ITEM: tuple[type, ...] = (Paragraph, CodeBlock, ListBlock, TaskList)
_IN_QUOTE: tuple[type, ...] = (Paragraph, CodeBlock, ListBlock)
_IN_CELL: tuple[type, ...] = (Paragraph, Heading, ListBlock, TaskList, CodeBlock, Quote, Rule)
# Task lists and items need a `localId`; derived from their position, so one description always gives
# the same document (and the same content hash, so an unchanged description costs no edit).
_LOCAL_IDS = uuid.UUID("6f1d7a0e-4c1b-4f0e-9a57-2b1f3f0c9e11")


def document_to_adf(document: Document, images: ImageHost = no_hosting) -> AdfNode:
    """The ADF `doc` of the document; `images` says which images are attachments of the issue."""
    writer = _Writer(images)
    return {"type": "doc", "version": 1, "content": writer.blocks(document.blocks, _IN_DOC)}


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
        elif isinstance(block, TaskList) and ListBlock in allowed:
            fitted.append(task_list_as_bullets(block, CHECKED_PREFIX, UNCHECKED_PREFIX))
        else:
            fitted.extend(Paragraph(line) for line in inline_lines([block]))
    return fitted


@dataclass
class _Writer:
    images: ImageHost
    ids: int = 0

    def local_id(self) -> str:
        self.ids += 1
        return str(uuid.uuid5(_LOCAL_IDS, str(self.ids)))

    def blocks(self, blocks: Sequence[Block], allowed: tuple[type, ...]) -> list[AdfNode]:
        nodes: list[AdfNode] = []
        for block in _fit(blocks, allowed):
            nodes.extend(self.block(block))
        return nodes

    def block(self, block: Block) -> list[AdfNode]:  # noqa: PLR0911 - one branch per block type
        if isinstance(block, Paragraph):
            return self.paragraph(block.inlines)
        if isinstance(block, Heading):
            text, media = self.split_images(block.inlines)
            heading = {"type": "heading", "attrs": {"level": block.level}, "content": self.inlines(text)}
            return [heading, *media]
        if isinstance(block, CodeBlock):
            node: AdfNode = {"type": "codeBlock"}
            if block.language:
                node["attrs"] = {"language": block.language}
            node["content"] = [{"type": "text", "text": block.text}] if block.text else []
            return [node]
        if isinstance(block, ListBlock):
            return [self.list_block(block)]
        if isinstance(block, TaskList):
            return [self.task_list(block)]
        if isinstance(block, Quote):
            content = self.blocks(block.blocks, _IN_QUOTE)
            return [{"type": "blockquote", "content": content}] if content else []
        if isinstance(block, Rule):
            return [{"type": "rule"}]
        return [self.table(block)]

    def paragraph(self, inlines: Sequence[Inline]) -> list[AdfNode]:
        """A paragraph, split around its images: each image is a `mediaSingle` block of its own."""
        nodes: list[AdfNode] = []
        run: list[Inline] = []

        def flush() -> None:
            content = self.inlines(_trim(run))
            if content:
                nodes.append({"type": "paragraph", "content": content})
            run.clear()

        for inline in inlines:
            if isinstance(inline, Image):
                flush()
                nodes.append(self.media(inline))
            else:
                run.append(inline)
        flush()
        return nodes

    def split_images(self, inlines: Sequence[Inline]) -> tuple[list[Inline], list[AdfNode]]:
        text = [inline for inline in inlines if not isinstance(inline, Image)]
        media = [self.media(inline) for inline in inlines if isinstance(inline, Image)]
        return _trim(text), media

    def media(self, image: Image) -> AdfNode:
        hosted = self.images(image.src)
        attrs: AdfNode = {"type": "external", "url": hosted.url if hosted else image.src}
        alt = image.alt or (hosted.file_name if hosted else "")
        if alt:
            attrs["alt"] = alt
        media: AdfNode = {"type": "media", "attrs": attrs}
        link = next((mark for mark in image.marks if mark.kind is MarkKind.LINK), None)
        if link is not None:
            media["marks"] = [{"type": "link", "attrs": {"href": link.href}}]
        return {"type": "mediaSingle", "attrs": {"layout": "center"}, "content": [media]}

    def list_block(self, block: ListBlock) -> AdfNode:
        items: list[AdfNode] = []
        for item in block.items:
            content = self.blocks(item, _IN_LIST_ITEM)
            # A list item must start with a paragraph or code block, never a nested list or an image.
            if not content or content[0]["type"] not in ("paragraph", "codeBlock"):
                content.insert(0, {"type": "paragraph", "content": []})
            items.append({"type": "listItem", "content": content})
        node: AdfNode = {"type": "orderedList" if block.ordered else "bulletList"}
        if block.ordered and block.start != 1:
            node["attrs"] = {"order": block.start}
        node["content"] = items
        return node

    def task_list(self, block: TaskList) -> AdfNode:
        content: list[AdfNode] = []
        for item in block.items:
            content.append(self.task_item(item))
            # A nested checklist is a taskList among its parent's items, after the item it belongs to.
            content.extend(self.task_list(child) for child in item.blocks if isinstance(child, TaskList))
        return {"type": "taskList", "attrs": {"localId": self.local_id()}, "content": content}

    def task_item(self, item: TaskItem) -> AdfNode:
        lines = inline_lines([child for child in item.blocks if not isinstance(child, TaskList)])
        # Inline content only: images are links to themselves here.
        line = [_image_link(inline) if isinstance(inline, Image) else inline for inline in
                join_inlines(lines, [HardBreak()])]  # fmt: skip
        node: AdfNode = {
            "type": "taskItem",
            "attrs": {"localId": self.local_id(), "state": "DONE" if item.checked else "TODO"},
        }
        inlines = self.inlines(line)
        if inlines:
            node["content"] = inlines
        return node

    def table(self, table: Table) -> AdfNode:
        layout = layout_table(table)
        rows: list[AdfNode] = []
        for placed, covered in zip(layout.placed, layout.covered, strict=True):
            cells = [self.cell(cell) for _, cell in placed]
            # Pad ragged rows so every row spans the full width; Jira's editor mangles ragged tables.
            all_headers = all(cell.header for _, cell in placed)
            holes = sum(1 for slot in covered if slot is None)
            cells.extend(self.cell(Cell(all_headers, [])) for _ in range(holes))
            rows.append({"type": "tableRow", "content": cells})
        return {
            "type": "table",
            "attrs": {"isNumberColumnEnabled": False, "layout": "default"},
            "content": rows,
        }

    def cell(self, cell: Cell) -> AdfNode:
        node: AdfNode = {"type": "tableHeader" if cell.header else "tableCell"}
        spans = {
            name: value for name, value in (("colspan", cell.colspan), ("rowspan", cell.rowspan)) if value > 1
        }
        if spans:
            node["attrs"] = spans
        # A cell must hold at least one block.
        node["content"] = self.blocks(cell.blocks, _IN_CELL) or [{"type": "paragraph", "content": []}]
        return node

    def inlines(self, inlines: Sequence[Inline]) -> list[AdfNode]:
        nodes: list[AdfNode] = []
        for inline in inlines:
            if isinstance(inline, HardBreak):
                nodes.append({"type": "hardBreak"})
                continue
            span = inline if isinstance(inline, Span) else _image_link(inline)
            if not span.text:
                continue
            node: AdfNode = {"type": "text", "text": span.text}
            adf_marks = _marks(span.marks)
            if adf_marks:
                node["marks"] = adf_marks
            nodes.append(node)
        return _merge_text_nodes(nodes)


def _trim(inlines: Sequence[Inline]) -> list[Inline]:
    """Inline content cut where an image was: no line breaks at its edges (they separated the image)."""
    start, end = 0, len(inlines)
    while start < end and isinstance(inlines[start], HardBreak):
        start += 1
    while end > start and isinstance(inlines[end - 1], HardBreak):
        end -= 1
    trimmed = list(inlines[start:end])
    if trimmed and isinstance(trimmed[0], Span):
        trimmed[0] = Span(trimmed[0].text.lstrip(" "), trimmed[0].marks)
    if trimmed and isinstance(trimmed[-1], Span):
        trimmed[-1] = Span(trimmed[-1].text.rstrip(" "), trimmed[-1].marks)
    return [inline for inline in trimmed if not (isinstance(inline, Span) and not inline.text)]


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


def _image_link(image: Image) -> Span:
    """Where only inline content may go: the image as a link to it, labelled with its alt text (or its
    URL), unless the image already sits inside a link."""
    text = image.alt or image.src
    if any(mark.kind is MarkKind.LINK for mark in image.marks):
        return Span(text, image.marks)
    return Span(text, image.marks | {Mark(MarkKind.LINK, image.src)})


def _marks(marks: frozenset[Mark]) -> list[AdfNode]:
    kinds = {mark.kind for mark in marks}
    if MarkKind.CODE in kinds:
        # ADF allows only link alongside code.
        marks = frozenset(mark for mark in marks if mark.kind in (MarkKind.CODE, MarkKind.LINK))
    result: list[AdfNode] = []
    for mark in sorted(marks):
        if mark.kind is MarkKind.LINK:
            result.append({"type": "link", "attrs": {"href": mark.href}})
        elif mark.kind in (MarkKind.SUB, MarkKind.SUP):
            result.append(
                {"type": "subsup", "attrs": {"type": "sub" if mark.kind is MarkKind.SUB else "sup"}}
            )
        elif mark.kind is MarkKind.COLOR:
            result.append({"type": "textColor", "attrs": {"color": mark.color}})
        else:
            result.append({"type": _MARK_NAMES[mark.kind]})
    return result
