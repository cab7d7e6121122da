"""A format-neutral rich-text document built from HTML, shared by the ADF and wiki renderers.

Building it once settles every HTML question (whitespace, implied structure, unsafe links, what is
dropped) in one place, so the two Jira formats cannot disagree about the content, only about how
each can express it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from enum import IntEnum
from urllib.parse import urlsplit

from .html_tree import Element, Node, Text, parse_html, text_content

__all__ = [
    "Block",
    "Cell",
    "CodeBlock",
    "Document",
    "HardBreak",
    "Heading",
    "Image",
    "Inline",
    "ListBlock",
    "Mark",
    "MarkKind",
    "Paragraph",
    "Quote",
    "Row",
    "Rule",
    "Span",
    "Table",
    "TableLayout",
    "build_document",
    "inline_lines",
    "layout_table",
    "safe_href",
    "with_mark",
]


class MarkKind(IntEnum):
    """Inline formatting; the value is the canonical order marks are written in."""

    STRONG = 1
    EM = 2
    UNDERLINE = 3
    STRIKE = 4
    CODE = 5
    LINK = 6


@dataclass(frozen=True, order=True)
class Mark:
    kind: MarkKind
    href: str = ""


type Marks = frozenset[Mark]
NO_MARKS: Marks = frozenset()
STRONG = Mark(MarkKind.STRONG)


@dataclass(frozen=True)
class Span:
    """A run of text with its marks. Never empty once a paragraph is finished."""

    text: str
    marks: Marks = NO_MARKS


@dataclass(frozen=True)
class HardBreak:
    pass


@dataclass(frozen=True)
class Image:
    """An image with an http(s) source (others are turned into their alt text while building)."""

    src: str
    alt: str
    marks: Marks = NO_MARKS


type Inline = Span | HardBreak | Image


@dataclass
class Paragraph:
    inlines: list[Inline]


@dataclass
class Heading:
    level: int
    inlines: list[Inline]


@dataclass
class CodeBlock:
    text: str
    language: str | None = None


@dataclass
class ListBlock:
    ordered: bool
    items: list[list[Block]]
    start: int = 1


@dataclass
class Quote:
    blocks: list[Block]


@dataclass
class Rule:
    pass


@dataclass
class Cell:
    header: bool
    blocks: list[Block]
    colspan: int = 1
    rowspan: int = 1


@dataclass
class Row:
    cells: list[Cell]


@dataclass
class Table:
    rows: list[Row]


type Block = Paragraph | Heading | CodeBlock | ListBlock | Quote | Rule | Table


@dataclass
class Document:
    blocks: list[Block]


# ---------------------------------------------------------------------------------------------
# Tag vocabulary

_DROPPED = frozenset(
    {"script", "style", "template", "head", "title", "iframe", "noscript", "object", "svg", "canvas"}
)
# Elements that only start and end paragraphs: their content flows as blocks.
_BLOCK_FLOW = frozenset(
    {
        "p", "div", "section", "article", "header", "footer", "main", "aside", "nav", "figure",
        "figcaption", "address", "center", "dl", "dt", "dd", "form", "fieldset", "details",
        "summary", "hgroup", "li", "body", "html", "legend", "caption", "menu",
    }
)  # fmt: skip
_MARK_TAGS: dict[str, Mark] = {
    "strong": STRONG,
    "b": STRONG,
    "em": Mark(MarkKind.EM),
    "i": Mark(MarkKind.EM),
    "cite": Mark(MarkKind.EM),
    "dfn": Mark(MarkKind.EM),
    "u": Mark(MarkKind.UNDERLINE),
    "ins": Mark(MarkKind.UNDERLINE),
    "s": Mark(MarkKind.STRIKE),
    "strike": Mark(MarkKind.STRIKE),
    "del": Mark(MarkKind.STRIKE),
    "code": Mark(MarkKind.CODE),
    "kbd": Mark(MarkKind.CODE),
    "samp": Mark(MarkKind.CODE),
    "tt": Mark(MarkKind.CODE),
}
_HEADINGS = {f"h{level}": level for level in range(1, 7)}
_LISTS = frozenset({"ul", "ol"})
# Browsers allow 1000 columns; a description never needs more than a screenful.
MAX_COLUMNS = 64
# HTML whitespace plus no-break space: Jira renders neither format differently for it, and treating
# it as a space keeps mark edges and paragraph trimming simple.
_WHITESPACE_RUN = re.compile("[ \t\n\r\f\u00a0]+")
_LANGUAGE_CLASS = re.compile(r"^(?:language|lang)-(.+)$")
_LANGUAGE_VALUE = re.compile(r"^[a-z0-9][a-z0-9+#._-]{0,31}$")
_LINK_SCHEMES = frozenset({"http", "https", "mailto"})
_IMAGE_SCHEMES = frozenset({"http", "https"})


def safe_href(raw: str, schemes: frozenset[str] = _LINK_SCHEMES) -> str | None:
    """The URL when it is absolute with an allowed scheme, else None (javascript:, relative, data:...)."""
    # As browsers do: trim, drop tabs and newlines, and keep inner spaces (encoded).
    url = re.sub("[\t\n\r]", "", raw.strip(" \t\n\r\f\u00a0")).replace(" ", "%20")
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in schemes:
        return None
    if parts.scheme.lower() != "mailto" and not parts.netloc:
        return None
    if parts.scheme.lower() == "mailto" and len(url) <= len("mailto:"):
        return None
    return url


# ---------------------------------------------------------------------------------------------
# Building


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
    if tag in _DROPPED:
        return
    if tag == "br":
        flow.add_inline(HardBreak())
    elif tag in _MARK_TAGS:
        _walk_children(node, flow, marks | {_MARK_TAGS[tag]})
    elif tag == "a":
        _walk_link(node, flow, marks)
    elif tag == "img":
        _walk_image(node, flow, marks)
    elif tag in _BLOCK_FLOW:
        flow.flush()
        _walk_children(node, flow, marks)
        flow.flush()
    elif tag in _HEADINGS:
        _walk_heading(node, flow, marks, _HEADINGS[tag])
    elif tag in _LISTS:
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


def _walk_link(node: Element, flow: _Flow, marks: Marks) -> None:
    href = safe_href(node.attrs.get("href", ""))
    if href is None:
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
    alt = _WHITESPACE_RUN.sub(" ", node.attrs.get("alt", "")).strip()
    src = safe_href(node.attrs.get("src", ""), _IMAGE_SCHEMES)
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
            flow.add_block(Heading(level, _join(lines, [HardBreak()])))
            lines = []
        flow.add_block(block)
    if lines:
        flow.add_block(Heading(level, _join(lines, [HardBreak()])))


def _walk_list(node: Element, flow: _Flow, marks: Marks) -> None:
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
    start = _int_attr(node.attrs.get("start"), default=1, low=0, high=1_000_000) if ordered else 1
    flow.add_block(ListBlock(ordered, finished, start))


def _code_block(node: Element) -> CodeBlock:
    parts: list[str] = []
    _collect_pre_text(node, parts)
    text = "".join(parts).replace("\r\n", "\n").replace("\r", "\n")
    # HTML drops one newline right after `<pre>`; trailing blank lines carry no meaning.
    text = text.removeprefix("\n").rstrip("\n")
    return CodeBlock(text, _code_language(node))


def _collect_pre_text(node: Node, parts: list[str]) -> None:
    if isinstance(node, Text):
        parts.append(node.data)
        return
    if node.tag in _DROPPED:
        return
    if node.tag == "br":
        parts.append("\n")
        return
    for child in node.children:
        _collect_pre_text(child, parts)
    # Editors sometimes put one `<div>`/`<p>` per line inside `<pre>`.
    if node.tag in _BLOCK_FLOW and parts and not parts[-1].endswith("\n"):
        parts.append("\n")


def _code_language(pre: Element) -> str | None:
    candidates = [
        pre,
        *(child for child in pre.children if isinstance(child, Element) and child.tag == "code"),
    ]
    for element in candidates:
        for name in ("data-language", "data-lang"):
            language = _clean_language(element.attrs.get(name, ""))
            if language:
                return language
        for token in element.attrs.get("class", "").split():
            match = _LANGUAGE_CLASS.match(token)
            if match:
                language = _clean_language(match.group(1))
                if language:
                    return language
    return None


def _clean_language(value: str) -> str | None:
    value = value.strip().lower()
    return value if _LANGUAGE_VALUE.match(value) else None


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
    colspan = _int_attr(node.attrs.get("colspan"), default=1, low=1, high=MAX_COLUMNS)
    # Rowspan is clamped to the rows that exist once the table is laid out.
    rowspan = _int_attr(node.attrs.get("rowspan"), default=1, low=1, high=1_000_000)
    return Cell(node.tag == "th", inner.finish(), colspan, rowspan)


def _int_attr(raw: str | None, *, default: int, low: int, high: int) -> int:
    match = re.match(r"\s*\+?(\d+)", raw or "")
    if not match:
        return default
    value = int(match.group(1)[:9])
    if value < low:
        return default
    return min(value, high)


# ---------------------------------------------------------------------------------------------
# Inline normalisation


def finish_inlines(raw: Sequence[Inline]) -> list[Inline]:
    """Collapse whitespace, trim at the paragraph's edges and around breaks, move spaces out of
    marks and merge neighbouring runs with the same marks. Returns [] for a visually empty run."""
    collapsed: list[Inline] = []
    after_space = True  # at the start of a line, leading whitespace is dropped
    for inline in raw:
        if isinstance(inline, Span):
            text = _WHITESPACE_RUN.sub(" ", inline.text)
            if after_space:
                text = text.lstrip(" ")
            if text:
                collapsed.append(Span(text, inline.marks))
                after_space = text.endswith(" ")
        elif isinstance(inline, HardBreak):
            _trim_trailing_space(collapsed)
            collapsed.append(inline)
            after_space = True
        else:
            collapsed.append(inline)
            after_space = False
    _trim_trailing_space(collapsed)
    start, end = 0, len(collapsed)
    while start < end and isinstance(collapsed[start], HardBreak):
        start += 1
    while end > start and isinstance(collapsed[end - 1], HardBreak):
        end -= 1
    return merge_spans(_unmark_edge_spaces(collapsed[start:end]))


def _trim_trailing_space(inlines: list[Inline]) -> None:
    while inlines:
        last = inlines[-1]
        if not isinstance(last, Span) or not last.text.endswith(" "):
            return
        text = last.text.rstrip(" ")
        if text:
            inlines[-1] = Span(text, last.marks)
            return
        inlines.pop()


def _unmark_edge_spaces(inlines: list[Inline]) -> list[Inline]:
    """Spaces at either end of a marked run lose that mark: `<b> x </b>` is ` *x* ` in wiki
    (`* x *` is not bold there) and keeps underline/strike from drawing under a space in ADF."""
    atoms: list[Inline] = []
    for inline in inlines:
        if isinstance(inline, Span) and inline.marks and " " in inline.text:
            atoms.extend(Span(piece, inline.marks) for piece in re.split("( +)", inline.text) if piece)
        else:
            atoms.append(inline)

    def is_space(atom: Inline) -> bool:
        return isinstance(atom, Span) and not atom.text.strip(" ")

    def marks_of(atom: Inline) -> Marks:
        return NO_MARKS if isinstance(atom, HardBreak) else atom.marks

    for mark in {m for atom in atoms for m in marks_of(atom)}:
        index = 0
        while index < len(atoms):
            if mark not in marks_of(atoms[index]):
                index += 1
                continue
            end = index
            while end < len(atoms) and mark in marks_of(atoms[end]):
                end += 1
            run = range(index, end)
            for edge in (run, reversed(run)):
                for position in edge:
                    atom = atoms[position]
                    if not isinstance(atom, Span) or not is_space(atom):
                        break
                    atoms[position] = Span(atom.text, atom.marks - {mark})
            index = end
    return atoms


def merge_spans(inlines: Iterable[Inline]) -> list[Inline]:
    merged: list[Inline] = []
    texts: list[str] = []  # pieces of the run being merged, joined once (long runs stay linear)

    def close_run() -> None:
        last = merged[-1] if merged else None
        if len(texts) > 1 and isinstance(last, Span):
            merged[-1] = Span("".join(texts), last.marks)
        texts.clear()

    for inline in inlines:
        previous = merged[-1] if merged else None
        if (
            isinstance(inline, Span)
            and isinstance(previous, Span)
            and previous.marks == inline.marks
            and texts
        ):
            texts.append(inline.text)
            continue
        close_run()
        merged.append(inline)
        if isinstance(inline, Span):
            texts.append(inline.text)
    close_run()
    return merged


# ---------------------------------------------------------------------------------------------
# Helpers for renderers that must squeeze blocks into a line of inline content


def with_mark(inlines: Iterable[Inline], mark: Mark) -> list[Inline]:
    return [
        inline if isinstance(inline, HardBreak) else replace(inline, marks=inline.marks | {mark})
        for inline in inlines
    ]


def _join(groups: Sequence[Sequence[Inline]], separator: Sequence[Inline]) -> list[Inline]:
    joined: list[Inline] = []
    for index, group in enumerate(groups):
        if index:
            joined.extend(separator)
        joined.extend(group)
    return joined


def inline_lines(blocks: Sequence[Block]) -> list[list[Inline]]:
    """Flatten blocks into lines of inline content, for places that only hold inline content
    (a wiki table cell or list item; an ADF list item that cannot hold a table). Headings and
    header cells become bold, code becomes monospace lines, list items get a `•`/`1.` prefix,
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
        elif isinstance(block, Quote):
            lines.extend(inline_lines(block.blocks))
        elif isinstance(block, Table):
            for row in block.rows:
                cells = [_cell_line(cell) for cell in row.cells]
                lines.append(_join(cells, [Span(" | ")]))
    return [merge_spans(line) for line in lines if line]


def _cell_line(cell: Cell) -> list[Inline]:
    line = _join(inline_lines(cell.blocks), [HardBreak()])
    return with_mark(line, STRONG) if cell.header else line


# ---------------------------------------------------------------------------------------------
# Table layout


@dataclass
class TableLayout:
    """Where each cell sits once spans are applied.

    `placed[r]` lists `(column, cell)` for the cells that start in row r (rowspans clamped to the
    table), `covered[r][c]` is the cell occupying that slot (its own or one spanning into it), or
    None for a hole, and `width` is the number of columns.
    """

    placed: list[list[tuple[int, Cell]]]
    covered: list[list[Cell | None]]
    width: int


class _TooWide(Exception):
    pass


def layout_table(table: Table) -> TableLayout:
    """Apply spans to a grid. Rows wider than `MAX_COLUMNS` cells fold their extra cells into the
    last one, and when spans would push the table past that width they are ignored, so the grid
    (and the padded output) stays proportional to the input."""
    rows = [_fold_row(row) for row in table.rows]
    try:
        return _layout(rows, spans=True)
    except _TooWide:
        return _layout(rows, spans=False)


def _fold_row(row: Row) -> Row:
    if len(row.cells) <= MAX_COLUMNS:
        return row
    kept, extra = row.cells[: MAX_COLUMNS - 1], row.cells[MAX_COLUMNS - 1 :]
    merged = Cell(all(cell.header for cell in extra), [block for cell in extra for block in cell.blocks])
    return Row([*kept, merged])


def _layout(rows: list[Row], *, spans: bool) -> TableLayout:
    row_count = len(rows)
    slots: dict[tuple[int, int], Cell] = {}
    placed: list[list[tuple[int, Cell]]] = []
    for r, row in enumerate(rows):
        column = 0
        row_placed: list[tuple[int, Cell]] = []
        for original in row.cells:
            while (r, column) in slots:
                column += 1
            if spans:
                cell = replace(original, rowspan=min(original.rowspan, row_count - r))
            else:
                cell = replace(original, rowspan=1, colspan=1)
            if column + cell.colspan > MAX_COLUMNS:
                raise _TooWide
            for dr in range(cell.rowspan):
                for dc in range(cell.colspan):
                    slots[(r + dr, column + dc)] = cell
            row_placed.append((column, cell))
            column += cell.colspan
        placed.append(row_placed)
    width = max((c + 1 for (_, c) in slots), default=0)
    covered = [[slots.get((r, c)) for c in range(width)] for r in range(row_count)]
    return TableLayout(placed, covered, width)
