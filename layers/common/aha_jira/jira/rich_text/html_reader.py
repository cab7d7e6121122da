"""HTML (any string, however broken) read into the format-neutral `Document`.

Every HTML question is settled here once for all formats: implied structure (loose text, stray list
content, content misplaced in table markup), unsafe links and images, code blocks. What each element means
is in `html_vocabulary.py`, how whitespace and marks settle in a paragraph in `inline_runs.py`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .document import (
    NO_MARKS,
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
    join_inlines,
)
from .html_tree import Element, Node, Text, parse_html, text_content
from .html_vocabulary import (
    BLOCK_FLOW,
    DROPPED,
    HEADINGS,
    LISTS,
    MARK_TAGS,
    code_language,
    element_color,
    int_attr,
    is_task_list,
    task_checked,
)
from .inline_runs import WHITESPACE_RUN, finish_inlines
from .links import IMAGE_SCHEMES, safe_href
from .table_layout import MAX_COLUMNS

__all__ = ["build_document"]


@dataclass
class _Flow:
    """Collects the blocks of one container; loose inline content becomes paragraphs."""

    blocks: list[Block] = field(default_factory=list)
    pending: list[Inline] = field(default_factory=list)

    def add_inline(self, inline: Inline) -> None:
        self.pending.append(inline)

    def add_block(self, block: Block) -> None:
        self.flush()
        self.blocks.append(block)

    def flush(self) -> None:
        inlines = finish_inlines(self.pending)
        self.pending = []
        if inlines:
            self.blocks.append(Paragraph(inlines))

    def finish(self) -> list[Block]:
        self.flush()
        return self.blocks


def build_document(html: str) -> Document:
    """Parse HTML (any string, however broken) into a `Document`."""
    flow = _Flow()
    if html:
        _walk_children(parse_html(html), flow, NO_MARKS)
    return Document(flow.finish())


def _walk_children(element: Element, flow: _Flow, marks: Marks) -> None:
    for child in element.children:
        _walk(child, flow, marks)


def _walk(node: Node, flow: _Flow, marks: Marks) -> None:  # noqa: PLR0912 - a tag dispatch
    if isinstance(node, Text):
        flow.add_inline(Span(node.data, marks))
        return
    tag = node.tag
    if tag in DROPPED:
        return
    color = element_color(node) if "style" in node.attrs or tag == "font" else None
    if color is not None:
        # The innermost colour wins, as in a browser.
        marks = frozenset(m for m in marks if m.kind is not MarkKind.COLOR) | {
            Mark(MarkKind.COLOR, color=color)
        }
    if tag == "br":
        flow.add_inline(HardBreak())
    elif tag in MARK_TAGS:
        _walk_children(node, flow, _with_mark(marks, MARK_TAGS[tag]))
    elif tag == "a":
        _walk_link(node, flow, marks)
    elif tag == "img":
        _walk_image(node, flow, marks)
    elif tag in BLOCK_FLOW:
        flow.flush()
        _walk_children(node, flow, marks)
        flow.flush()
    elif tag in HEADINGS:
        _walk_heading(node, flow, marks, HEADINGS[tag])
    elif tag in LISTS:
        _walk_list(node, flow, marks)
    elif tag == "pre":
        code = _code_block(node)
        if code.text.strip():
            flow.add_block(code)
        else:
            flow.flush()
    elif tag == "blockquote":
        inner = _Flow()
        _walk_children(node, inner, marks)
        blocks = inner.finish()
        if blocks:
            flow.add_block(Quote(blocks))
        else:
            flow.flush()
    elif tag == "hr":
        flow.add_block(Rule())
    elif tag == "table":
        _walk_table(node, flow, marks)
    else:
        # Unknown or purely presentational tags (span, font, sup, custom elements): keep the text.
        _walk_children(node, flow, marks)


def _with_mark(marks: Marks, mark: Mark) -> Marks:
    # Subscript and superscript exclude each other: the inner one wins.
    if mark.kind in (MarkKind.SUB, MarkKind.SUP):
        marks = frozenset(m for m in marks if m.kind not in (MarkKind.SUB, MarkKind.SUP))
    return marks | {mark}


def _walk_link(node: Element, flow: _Flow, marks: Marks) -> None:
    href = safe_href(node.attrs.get("href", ""))
    if href is None:
        # Anchors (`<a id>`/`<a name>`) and in-page links (`#section`) keep their text: no format
        # here can point inside a Jira description (docs/rich-text.md "Anchors").
        _walk_children(node, flow, marks)
        return
    # An inner link replaces an outer one; a text run has at most one link mark.
    linked = frozenset(m for m in marks if m.kind is not MarkKind.LINK) | {Mark(MarkKind.LINK, href)}
    if not text_content(node).strip() and not _has_image(node):
        # An empty anchor would vanish; show where it points instead.
        shown = href[len("mailto:") :] if href.lower().startswith("mailto:") else href
        flow.add_inline(Span(shown, linked))
        return
    _walk_children(node, flow, linked)


def _has_image(element: Element) -> bool:
    return any(
        isinstance(child, Element) and (child.tag == "img" or _has_image(child)) for child in element.children
    )


def _walk_image(node: Element, flow: _Flow, marks: Marks) -> None:
    alt = WHITESPACE_RUN.sub(" ", node.attrs.get("alt", "")).strip()
    src = safe_href(node.attrs.get("src", ""), IMAGE_SCHEMES)
    if src is not None:
        flow.add_inline(Image(src, alt, marks))
    elif alt:
        # data: URIs and relative paths mean nothing in Jira; the alt text still does.
        flow.add_inline(Span(alt, marks))


def _walk_heading(node: Element, flow: _Flow, marks: Marks, level: int) -> None:
    inner = _Flow()
    _walk_children(node, inner, marks)
    flow.flush()
    # Paragraph-like content of the heading joins into one heading; anything else follows it.
    lines: list[list[Inline]] = []
    for block in inner.finish():
        if isinstance(block, Paragraph):
            lines.append(block.inlines)
            continue
        if lines:
            flow.add_block(Heading(level, join_inlines(lines, [HardBreak()])))
            lines = []
        flow.add_block(block)
    if lines:
        flow.add_block(Heading(level, join_inlines(lines, [HardBreak()])))


def _walk_list(node: Element, flow: _Flow, marks: Marks) -> None:
    if is_task_list(node):
        _walk_task_list(node, flow, marks)
        return
    items: list[_Flow] = []
    for child in node.children:
        if isinstance(child, Element) and child.tag == "li":
            item = _Flow()
            items.append(item)
            _walk_children(child, item, marks)
        elif isinstance(child, Text) and not child.data.strip():
            continue
        else:
            # `<ul><li>a</li><ul>...</ul></ul>` (a list nested without its `li`) is common in pasted
            # HTML: the stray content belongs to the previous item.
            if not items:
                items.append(_Flow())
            _walk(child, items[-1], marks)
    finished = [blocks for blocks in (item.finish() for item in items) if blocks]
    if not finished:
        flow.flush()
        return
    ordered = node.tag == "ol"
    start = int_attr(node.attrs.get("start"), default=1, low=0, high=1_000_000) if ordered else 1
    flow.add_block(ListBlock(ordered, finished, start))


def _walk_task_list(node: Element, flow: _Flow, marks: Marks) -> None:
    items: list[TaskItem] = []
    for child in node.children:
        if isinstance(child, Element) and child.tag == "li":
            inner = _Flow()
            _walk_children(child, inner, marks)
            items.append(TaskItem(task_checked(child), inner.finish()))
        elif isinstance(child, Text) and not child.data.strip():
            continue
        elif items:
            # Stray content (a nested list without its `li`) belongs to the previous item.
            inner = _Flow(blocks=items[-1].blocks)
            _walk(child, inner, marks)
            inner.finish()
        else:
            items.append(TaskItem(False, []))
            inner = _Flow(blocks=items[-1].blocks)
            _walk(child, inner, marks)
            inner.finish()
    kept = [item for item in items if item.blocks]
    if kept:
        flow.add_block(TaskList(kept))
    else:
        flow.flush()


def _code_block(node: Element) -> CodeBlock:
    parts: list[str] = []
    _collect_pre_text(node, parts)
    text = "".join(parts).replace("\r\n", "\n").replace("\r", "\n")
    # HTML drops one newline right after `<pre>`; trailing blank lines carry no meaning.
    text = text.removeprefix("\n").rstrip("\n")
    return CodeBlock(text, code_language(node))


def _collect_pre_text(node: Node, parts: list[str]) -> None:
    if isinstance(node, Text):
        parts.append(node.data)
        return
    if node.tag in DROPPED:
        return
    if node.tag == "br":
        parts.append("\n")
        return
    for child in node.children:
        _collect_pre_text(child, parts)
    # Editors sometimes put one `<div>`/`<p>` per line inside `<pre>`.
    if node.tag in BLOCK_FLOW and parts and not parts[-1].endswith("\n"):
        parts.append("\n")


def _walk_table(node: Element, flow: _Flow, marks: Marks) -> None:
    rows: list[Row] = []
    before = _Flow()  # content misplaced inside table structure is shown before the table, like browsers
    loose_cells: list[Cell] = []

    def end_loose_row() -> None:
        if loose_cells:
            rows.append(Row(list(loose_cells)))
            loose_cells.clear()

    def visit(parent: Element) -> None:
        for child in parent.children:
            if isinstance(child, Text):
                if child.data.strip():
                    before.add_inline(Span(child.data, marks))
                continue
            if child.tag in ("thead", "tbody", "tfoot"):
                end_loose_row()
                visit(child)
            elif child.tag == "tr":
                end_loose_row()
                row = _table_row(child, marks, before)
                if row.cells:
                    rows.append(row)
            elif child.tag in ("td", "th"):
                loose_cells.append(_table_cell(child, marks))
            elif child.tag in ("col", "colgroup"):
                continue
            elif child.tag == "caption":
                before.flush()
                _walk_children(child, before, marks)
                before.flush()
            else:
                _walk(child, before, marks)

    visit(node)
    end_loose_row()
    flow.flush()
    for block in before.finish():
        flow.add_block(block)
    if rows:
        flow.add_block(Table(rows))


def _table_row(node: Element, marks: Marks, before: _Flow) -> Row:
    cells: list[Cell] = []
    for child in node.children:
        if isinstance(child, Element) and child.tag in ("td", "th"):
            cells.append(_table_cell(child, marks))
        elif isinstance(child, Text):
            if child.data.strip():
                before.add_inline(Span(child.data, marks))
        else:
            _walk(child, before, marks)
    return Row(cells)


def _table_cell(node: Element, marks: Marks) -> Cell:
    inner = _Flow()
    _walk_children(node, inner, marks)
    colspan = int_attr(node.attrs.get("colspan"), default=1, low=1, high=MAX_COLUMNS)
    # Rowspan is clamped to the rows that exist once the table is laid out.
    rowspan = int_attr(node.attrs.get("rowspan"), default=1, low=1, high=1_000_000)
    return Cell(node.tag == "th", inner.finish(), colspan, rowspan)
