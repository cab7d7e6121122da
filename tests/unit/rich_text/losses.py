"""What each Jira format loses of a roadmap description, as functions on the format-neutral document.

Each loss named in `docs/rich-text.md` is one function here: it turns a document into what that loss leaves
of it. A round trip (HTML → ADF/wiki → HTML) must give back the original document once exactly its listed
losses are applied to both sides (`test_round_trips.py`), and no listed loss may be needless.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import replace

from aha_jira.jira.rich_text.document import (
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
    Row,
    Rule,
    Span,
    Table,
    TaskItem,
    TaskList,
    join_inlines,
    with_mark,
)
from aha_jira.jira.rich_text.flattening import (
    CHECKED_PREFIX,
    UNCHECKED_PREFIX,
    inline_lines,
    task_list_as_bullets,
)
from aha_jira.jira.rich_text.inline_runs import merge_spans
from aha_jira.jira.rich_text.table_layout import layout_table
from aha_jira.jira.rich_text.wiki_writer import CODE_LANGUAGES

Loss = Callable[[Document], Document]
BlockMap = Callable[[list[Block], str], list[Block]]  # blocks of a container (its kind) → what is left


def _map(document: Document, change: BlockMap) -> Document:
    """Apply `change` to the blocks of every container, innermost first."""
    return Document(change(_inner(document.blocks, change), "doc"))


def _inner(blocks: Sequence[Block], change: BlockMap) -> list[Block]:
    out: list[Block] = []
    for block in blocks:
        if isinstance(block, ListBlock):
            items = [change(_inner(item, change), "item") for item in block.items]
            out.append(replace(block, items=items))
        elif isinstance(block, TaskList):
            tasks = [TaskItem(t.checked, change(_inner(t.blocks, change), "task")) for t in block.items]
            out.append(TaskList(tasks))
        elif isinstance(block, Quote):
            out.append(Quote(change(_inner(block.blocks, change), "quote")))
        elif isinstance(block, Table):
            rows = [
                Row([replace(c, blocks=change(_inner(c.blocks, change), "cell")) for c in row.cells])
                for row in block.rows
            ]
            out.append(Table(rows))
        else:
            out.append(block)
    return out


def _inlines_map(document: Document, change: Callable[[Inline], Inline]) -> Document:
    def on_blocks(blocks: list[Block], _kind: str) -> list[Block]:
        out: list[Block] = []
        for block in blocks:
            if isinstance(block, Paragraph):
                out.append(Paragraph([change(i) for i in block.inlines]))
            elif isinstance(block, Heading):
                out.append(Heading(block.level, [change(i) for i in block.inlines]))
            else:
                out.append(block)
        return out

    return _map(document, on_blocks)


def _lines_paragraph(blocks: Sequence[Block]) -> list[Block]:
    lines = inline_lines(blocks)
    return [Paragraph(merge_spans(join_inlines(lines, [HardBreak()])))] if lines else []


def _trim(inlines: list[Inline]) -> list[Inline]:
    while inlines and isinstance(inlines[0], HardBreak):
        inlines = inlines[1:]
    while inlines and isinstance(inlines[-1], HardBreak):
        inlines = inlines[:-1]
    if inlines and isinstance(inlines[0], Span):
        inlines = [Span(inlines[0].text.lstrip(" "), inlines[0].marks), *inlines[1:]]
    if inlines and isinstance(inlines[-1], Span):
        inlines = [*inlines[:-1], Span(inlines[-1].text.rstrip(" "), inlines[-1].marks)]
    return [i for i in inlines if not (isinstance(i, Span) and not i.text)]


def _image_as_link(inline: Inline) -> Inline:
    if not isinstance(inline, Image):
        return inline
    if any(m.kind is MarkKind.LINK for m in inline.marks):
        return Span(inline.alt or inline.src, inline.marks)
    return Span(inline.alt or inline.src, inline.marks | {Mark(MarkKind.LINK, inline.src)})


# -- ADF ------------------------------------------------------------------------------------------------


def adf_code_keeps_only_links(document: Document) -> Document:
    def change(inline: Inline) -> Inline:
        if isinstance(inline, Span) and any(m.kind is MarkKind.CODE for m in inline.marks):
            return Span(
                inline.text, frozenset(m for m in inline.marks if m.kind in (MarkKind.CODE, MarkKind.LINK))
            )
        return inline

    return _inlines_map(document, change)


def adf_checklist_item_is_one_line(document: Document) -> Document:
    def change(blocks: list[Block], kind: str) -> list[Block]:
        if kind != "task":
            return blocks
        nested = [b for b in blocks if isinstance(b, TaskList)]
        lines = inline_lines([b for b in blocks if not isinstance(b, TaskList)])
        line = [_image_as_link(i) for i in join_inlines(lines, [HardBreak()])]
        return ([Paragraph(merge_spans(line))] if line else []) + list(nested)

    return _map(document, change)


def adf_checklist_in_quote_is_a_list(document: Document) -> Document:
    def change(blocks: list[Block], kind: str) -> list[Block]:
        if kind != "quote":
            return blocks
        return [
            task_list_as_bullets(b, CHECKED_PREFIX, UNCHECKED_PREFIX) if isinstance(b, TaskList) else b
            for b in blocks
        ]

    return _map(document, change)


def adf_heading_in_list_or_quote_is_bold(document: Document) -> Document:
    def change(blocks: list[Block], kind: str) -> list[Block]:
        if kind not in ("item", "quote"):
            return blocks
        return [Paragraph(with_mark(b.inlines, STRONG)) if isinstance(b, Heading) else b for b in blocks]

    return _map(document, change)


def adf_quote_in_quote_joins_it(document: Document) -> Document:
    def change(blocks: list[Block], kind: str) -> list[Block]:
        if kind not in ("quote", "item"):
            return blocks
        out: list[Block] = []
        for block in blocks:
            out.extend(block.blocks if isinstance(block, Quote) else [block])
        return out

    return _map(document, change)


def adf_rule_in_quote_or_list_is_dropped(document: Document) -> Document:
    def change(blocks: list[Block], kind: str) -> list[Block]:
        return [b for b in blocks if not (kind in ("quote", "item") and isinstance(b, Rule))]

    return _map(document, change)


def adf_table_in_container_is_lines(document: Document) -> Document:
    def change(blocks: list[Block], kind: str) -> list[Block]:
        if kind not in ("quote", "item", "cell"):
            return blocks
        out: list[Block] = []
        for block in blocks:
            if isinstance(block, Table):
                out.extend(Paragraph(line) for line in inline_lines([block]))
            else:
                out.append(block)
        return out

    return _map(document, change)


def adf_image_is_a_block(document: Document) -> Document:
    def change(blocks: list[Block], _kind: str) -> list[Block]:
        out: list[Block] = []
        for block in blocks:
            if isinstance(block, Paragraph):
                out.extend(_split_at_images(block.inlines))
            elif isinstance(block, Heading):
                text = [i for i in block.inlines if not isinstance(i, Image)]
                out.append(Heading(block.level, _trim(text)))
                out.extend(Paragraph([i]) for i in block.inlines if isinstance(i, Image))
            else:
                out.append(block)
        return out

    return _map(document, change)


def _split_at_images(inlines: list[Inline]) -> list[Block]:
    out: list[Block] = []
    run: list[Inline] = []
    for inline in inlines:
        if isinstance(inline, Image):
            if _trim(run):
                out.append(Paragraph(_trim(run)))
            out.append(Paragraph([inline]))
            run = []
        else:
            run.append(inline)
    if _trim(run):
        out.append(Paragraph(_trim(run)))
    return out


def _padded(table: Table, *, spans: bool) -> Table:
    layout = layout_table(table)
    rows: list[Row] = []
    for placed, covered in zip(layout.placed, layout.covered, strict=True):
        starts = dict(placed)
        all_headers = all(cell.header for _, cell in placed)
        cells: list[Cell] = []
        for column, slot in enumerate(covered):
            cell = starts.get(column)
            if cell is not None:
                cells.append(cell if spans else replace(cell, colspan=1, rowspan=1))
            elif slot is None:
                cells.append(Cell(all_headers, []))
            elif not spans:
                cells.append(Cell(slot.header, []))
        rows.append(Row(cells))
    return Table(rows)


def adf_ragged_rows_are_padded(document: Document) -> Document:
    def change(blocks: list[Block], _kind: str) -> list[Block]:
        return [_padded(b, spans=True) if isinstance(b, Table) else b for b in blocks]

    return _map(document, change)


# -- wiki markup ---------------------------------------------------------------------------------------


def wiki_tables_are_grids(document: Document) -> Document:
    def change(blocks: list[Block], _kind: str) -> list[Block]:
        return [_padded(b, spans=False) if isinstance(b, Table) else b for b in blocks]

    return _map(document, change)


def wiki_item_and_cell_are_one_line(document: Document) -> Document:
    def change(blocks: list[Block], kind: str) -> list[Block]:
        if kind == "cell":
            return _lines_paragraph(blocks)
        if kind not in ("item", "task"):
            return blocks
        out: list[Block] = []
        pending: list[Block] = []
        for block in blocks:
            if isinstance(block, (ListBlock, TaskList)):
                out.extend(_lines_paragraph(pending))
                pending = []
                out.append(block)
            else:
                pending.append(block)
        out.extend(_lines_paragraph(pending))
        return out

    return _map(document, change)


def wiki_ordered_lists_count_from_one(document: Document) -> Document:
    def change(blocks: list[Block], _kind: str) -> list[Block]:
        return [replace(b, start=1) if isinstance(b, ListBlock) else b for b in blocks]

    return _map(document, change)


def wiki_quote_in_quote_joins_it(document: Document) -> Document:
    def change(blocks: list[Block], kind: str) -> list[Block]:
        if kind != "quote":
            return blocks
        out: list[Block] = []
        for block in blocks:
            out.extend(block.blocks if isinstance(block, Quote) else [block])
        return out

    return _map(document, change)


def wiki_code_language_known_to_jira(document: Document) -> Document:
    def change(blocks: list[Block], _kind: str) -> list[Block]:
        return [
            CodeBlock(b.text, CODE_LANGUAGES.get(b.language or "")) if isinstance(b, CodeBlock) else b
            for b in blocks
        ]

    return _map(document, change)


_UNSAFE_ALT = re.compile(r"[,|!=\n{}\[\]]")


def wiki_image_alt_when_safe(document: Document) -> Document:
    def change(inline: Inline) -> Inline:
        if not isinstance(inline, Image):
            return inline
        linked = any(m.kind is MarkKind.LINK for m in inline.marks)
        if linked or _UNSAFE_ALT.search(inline.alt):
            return Image(inline.src, "", inline.marks)
        return inline

    return _inlines_map(document, change)


def _encoded(url: str) -> str:
    return (
        url.replace(" ", "%20")
        .replace("|", "%7C")
        .replace("]", "%5D")
        .replace("[", "%5B")
        .replace("!", "%21")
    )


def wiki_url_characters_are_encoded(document: Document) -> Document:
    def marks(inline_marks: frozenset[Mark]) -> frozenset[Mark]:
        return frozenset(
            replace(m, href=_encoded(m.href)) if m.kind is MarkKind.LINK else m for m in inline_marks
        )

    def change(inline: Inline) -> Inline:
        if isinstance(inline, Span):
            return Span(inline.text, marks(inline.marks))
        if isinstance(inline, Image):
            return Image(_encoded(inline.src), inline.alt, marks(inline.marks))
        return inline

    return _inlines_map(document, change)


# In the order they are applied (a loss that changes structure before those that read it).
LOSSES: dict[str, Loss] = {
    "adf_checklist_item_is_one_line": adf_checklist_item_is_one_line,
    "adf_checklist_in_quote_is_a_list": adf_checklist_in_quote_is_a_list,
    "adf_quote_in_quote_joins_it": adf_quote_in_quote_joins_it,
    "adf_heading_in_list_or_quote_is_bold": adf_heading_in_list_or_quote_is_bold,
    "adf_rule_in_quote_or_list_is_dropped": adf_rule_in_quote_or_list_is_dropped,
    "adf_table_in_container_is_lines": adf_table_in_container_is_lines,
    "adf_code_keeps_only_links": adf_code_keeps_only_links,
    "adf_image_is_a_block": adf_image_is_a_block,
    "adf_ragged_rows_are_padded": adf_ragged_rows_are_padded,
    "wiki_tables_are_grids": wiki_tables_are_grids,
    "wiki_quote_in_quote_joins_it": wiki_quote_in_quote_joins_it,
    "wiki_item_and_cell_are_one_line": wiki_item_and_cell_are_one_line,
    "wiki_ordered_lists_count_from_one": wiki_ordered_lists_count_from_one,
    "wiki_code_language_known_to_jira": wiki_code_language_known_to_jira,
    "wiki_image_alt_when_safe": wiki_image_alt_when_safe,
    "wiki_url_characters_are_encoded": wiki_url_characters_are_encoded,
}


def canonical(document: Document) -> Document:
    """The document as the HTML reader would give it: merged runs, no empty paragraphs."""

    def change(blocks: list[Block], _kind: str) -> list[Block]:
        out: list[Block] = []
        for block in blocks:
            if isinstance(block, Paragraph):
                inlines = merge_spans(_trim(list(block.inlines)))
                if inlines:
                    out.append(Paragraph(inlines))
            elif isinstance(block, Heading):
                out.append(Heading(block.level, merge_spans(block.inlines)))
            else:
                out.append(block)
        return out

    return _map(document, change)


def apply_losses(document: Document, names: Sequence[str]) -> Document:
    for name, loss in LOSSES.items():
        if name in names:
            document = canonical(loss(document))
    return canonical(document)
