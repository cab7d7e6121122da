"""Blocks squeezed into lines of inline content, for the containers of a format that hold only that."""

from __future__ import annotations

from collections.abc import Sequence

from .document import (
    STRONG,
    Block,
    Cell,
    CodeBlock,
    HardBreak,
    Heading,
    Inline,
    ListBlock,
    Mark,
    MarkKind,
    Paragraph,
    Quote,
    Span,
    Table,
    TaskList,
    join_inlines,
    with_mark,
)
from .inline_runs import merge_spans

__all__ = ["CHECKED_PREFIX", "UNCHECKED_PREFIX", "first_text_line", "inline_lines", "task_list_as_bullets"]

# A checklist item where only lines fit: its state as a ballot box.
CHECKED_PREFIX, UNCHECKED_PREFIX = "☑ ", "☐ "


def inline_lines(blocks: Sequence[Block]) -> list[list[Inline]]:
    """Flatten blocks into lines of inline content, for places that only hold inline content
    (a wiki table cell or list item; an ADF list item that cannot hold a table). Headings and
    header cells become bold, code becomes monospace lines, list items get a `•`/`1.` prefix (checklist items ☑/☐),
    table rows join cells with ` | `; rules are dropped."""
    lines: list[list[Inline]] = []
    for block in blocks:
        if isinstance(block, Paragraph):
            lines.append(list(block.inlines))
        elif isinstance(block, Heading):
            lines.append(with_mark(block.inlines, STRONG))
        elif isinstance(block, CodeBlock):
            code = Mark(MarkKind.CODE)
            lines.extend([Span(line, frozenset({code}))] for line in block.text.split("\n") if line.strip())
        elif isinstance(block, ListBlock):
            for number, item in enumerate(block.items, start=block.start):
                item_lines = inline_lines(item)
                prefix = f"{number}. " if block.ordered else "• "
                if item_lines:
                    item_lines[0] = [Span(prefix), *item_lines[0]]
                lines.extend(item_lines)
        elif isinstance(block, TaskList):
            lines.extend(_task_lines(block))
        elif isinstance(block, Quote):
            lines.extend(inline_lines(block.blocks))
        elif isinstance(block, Table):
            for row in block.rows:
                cells = [_cell_line(cell) for cell in row.cells]
                lines.append(join_inlines(cells, [Span(" | ")]))
    return [merge_spans(line) for line in lines if line]


def _task_lines(block: TaskList) -> list[list[Inline]]:
    lines: list[list[Inline]] = []
    for task in block.items:
        task_lines = inline_lines(task.blocks)
        prefix = Span(CHECKED_PREFIX if task.checked else UNCHECKED_PREFIX)
        if task_lines:
            task_lines[0] = [prefix, *task_lines[0]]
        lines.extend(task_lines)
    return lines


def _cell_line(cell: Cell) -> list[Inline]:
    line = join_inlines(inline_lines(cell.blocks), [HardBreak()])
    return with_mark(line, STRONG) if cell.header else line


def task_list_as_bullets(block: TaskList, checked: str, unchecked: str) -> ListBlock:
    """A checklist as a bullet list whose items start with their state (`checked`/`unchecked` text), for
    a place that holds lists but no checklist. Nested checklists become nested bullet lists."""
    items: list[list[Block]] = []
    for item in block.items:
        blocks: list[Block] = [
            task_list_as_bullets(child, checked, unchecked) if isinstance(child, TaskList) else child
            for child in item.blocks
        ]
        marker = Span(checked if item.checked else unchecked)
        first = blocks[0] if blocks else None
        if isinstance(first, Paragraph):
            blocks[0] = Paragraph([marker, *first.inlines])
        else:
            blocks.insert(0, Paragraph([marker]))
        items.append(blocks)
    return ListBlock(False, items)


def first_text_line(blocks: Sequence[Block]) -> str:
    """The text of the first line that has any (line breaks end lines; images count by their alt text)."""
    for line in inline_lines(blocks):
        text = ""
        for inline in [*line, HardBreak()]:
            if isinstance(inline, HardBreak):
                if text.strip():
                    return text.strip()
                text = ""
            elif isinstance(inline, Span):
                text += inline.text
            else:
                text += inline.alt
    return ""
