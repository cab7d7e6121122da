"""Jira wiki markup read back as roadmap HTML (a description or comment written in Jira Data Center).

The markup is read into the format-neutral `Document` (blocks here, inline content in `wiki_inline.py`)
and written by `html_writer`. Blocks: paragraphs (a newline is a line break, a blank line ends the
paragraph), `h1.`..`h6.`, `bq.`, `{quote}`/`{panel}` (a quote), `{code[:language]}`/`{noformat}`, `----`,
lists (`*`, `#`, `-`, nested and mixed), tables (`||header||` and `|cell|`). A bullet list whose every item
starts with `[x]` or `[ ]` is a checklist (what `wiki_writer` writes for one). Other macros are dropped
with their markers, keeping their text. Never raises: input nobody foresaw gives its plain text.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from html import escape

from .document import (
    Block,
    Cell,
    CodeBlock,
    Document,
    Heading,
    Inline,
    ListBlock,
    Paragraph,
    Quote,
    Row,
    Rule,
    Span,
    Table,
    TaskItem,
    TaskList,
)
from .html_writer import document_to_html
from .wiki_inline import AttachmentUrl, parse_inline, prepare
from .wiki_reader import WikiReader

__all__ = ["wiki_document", "wiki_to_html"]

logger = logging.getLogger(__name__)

_CODE_START = re.compile(r"\{(code|noformat)(?::([^}]*))?\}")
_CONTAINER_START = re.compile(r"\{(quote|panel)(?::[^}]*)?\}")
_HEADING = re.compile(r"h([1-6])\.\s+(.*)")
_QUOTE_LINE = re.compile(r"bq\.\s+(.*)")
_LIST_LINE = re.compile(r"([*#]+|-)\s+(.*)")
_RULE = re.compile(r"-{4,}")
_TASK_MARKER = re.compile(r"(?:\\?\[)([ xX])(?:\\?\])\s+")
_LANGUAGE = re.compile(r"(?:^|\|)\s*(?:language=)?([A-Za-z0-9+#._-]{1,32})\s*(?:$|\|)")
_MAX_DEPTH = 16


def _no_attachments(_name: str) -> str | None:
    return None


def wiki_to_html(wiki: str | None, attachment_url: AttachmentUrl = _no_attachments) -> str:
    """Roadmap HTML of wiki markup; `attachment_url` says where an attachment (`!name!`) can be shown from."""
    if not wiki:
        return ""
    try:
        return document_to_html(wiki_document(wiki, attachment_url))
    except Exception:
        logger.exception("wiki markup could not be read as HTML; keeping its plain text")
        text = WikiReader(wiki).read()
        return "".join(f"<p>{escape(block)}</p>" for block in text.split("\n\n") if block.strip())


def wiki_document(wiki: str, attachment_url: AttachmentUrl = _no_attachments) -> Document:
    lines = wiki.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return Document(_Blocks(lines, attachment_url).read())


@dataclass
class _Blocks:
    lines: list[str]
    attachment_url: AttachmentUrl
    depth: int = 0
    blocks: list[Block] = field(default_factory=list)
    paragraph: list[str] = field(default_factory=list)

    def read(self) -> list[Block]:
        index = 0
        while index < len(self.lines):
            index = self.line(index)
        self.end_paragraph()
        return self.blocks

    def inline(self, text: str) -> list[Inline]:
        return parse_inline(prepare(text), self.attachment_url)

    def end_paragraph(self) -> None:
        if self.paragraph:
            inlines = self.inline("\n".join(self.paragraph))
            if _visible(inlines):
                self.blocks.append(Paragraph(inlines))
        self.paragraph = []

    def add(self, block: Block) -> None:
        self.end_paragraph()
        self.blocks.append(block)

    def line(self, index: int) -> int:  # noqa: PLR0911 - one branch per block construct
        raw = self.lines[index]
        stripped = raw.strip()
        code = _CODE_START.match(stripped)
        if code:
            return self.code(index, code)
        container = _CONTAINER_START.match(stripped)
        if container and self.depth < _MAX_DEPTH:
            return self.container(index, container)
        if not stripped:
            self.end_paragraph()
            return index + 1
        if _RULE.fullmatch(stripped):
            self.add(Rule())
            return index + 1
        heading = _HEADING.fullmatch(stripped)
        if heading:
            self.add(Heading(int(heading.group(1)), self.inline(heading.group(2))))
            return index + 1
        quote = _QUOTE_LINE.fullmatch(stripped)
        if quote:
            inlines = self.inline(quote.group(1))
            self.add(Quote([Paragraph(inlines)] if _visible(inlines) else []))
            return index + 1
        if _LIST_LINE.fullmatch(stripped):
            return self.list_block(index)
        if stripped.startswith("|"):
            return self.table(index)
        self.paragraph.append(stripped)
        return index + 1

    def code(self, index: int, start: re.Match[str]) -> int:
        terminator = "{" + start.group(1) + "}"
        rest = self.lines[index].strip()[start.end() :]
        body: list[str] = []
        if terminator in rest:
            body.append(rest[: rest.index(terminator)])
            index += 1
        else:
            if rest:
                body.append(rest)
            index += 1
            while index < len(self.lines) and terminator not in self.lines[index]:
                body.append(self.lines[index])
                index += 1
            if index < len(self.lines):
                body.append(self.lines[index][: self.lines[index].index(terminator)])
                index += 1
        text = "\n".join(body).strip("\n").replace("{noformat\u200b}", "{noformat}")
        language = None
        if start.group(1) == "code" and start.group(2):
            found = _LANGUAGE.search(start.group(2))
            language = found.group(1).lower() if found else None
        if text.strip():
            self.add(CodeBlock(text, language))
        return index

    def container(self, index: int, start: re.Match[str]) -> int:
        """`{quote}`/`{panel}` up to its closing marker, read as a quote of blocks."""
        terminator = "{" + start.group(1) + "}"
        first = self.lines[index].strip()[start.end() :]
        inner: list[str] = []
        if terminator in first:
            inner.append(first[: first.index(terminator)])
            index += 1
        else:
            inner.append(first)
            index += 1
            while index < len(self.lines) and terminator not in self.lines[index]:
                inner.append(self.lines[index])
                index += 1
            if index < len(self.lines):
                inner.append(self.lines[index][: self.lines[index].index(terminator)])
                index += 1
        blocks = _Blocks(inner, self.attachment_url, depth=self.depth + 1).read()
        self.add(Quote(_unquoted(blocks)))
        return index

    def list_block(self, index: int) -> int:
        self.end_paragraph()
        top: list[ListBlock] = []
        stack: list[tuple[ListBlock, str]] = []  # the open list at each level, with its marker
        while index < len(self.lines):
            found = _LIST_LINE.fullmatch(self.lines[index].strip())
            if not found:
                break
            markers = "*" if found.group(1) == "-" else found.group(1)
            level = len(markers)
            del stack[level:]
            if len(stack) == level and stack[-1][1] != markers[-1]:
                stack.pop()  # `*` then `#` at one level: a new list
            while len(stack) < level:
                ordered = markers[len(stack)] == "#"
                block = ListBlock(ordered, [])
                if stack:
                    parent = stack[-1][0]
                    if not parent.items:
                        parent.items.append([])
                    parent.items[-1].append(block)
                else:
                    top.append(block)
                stack.append((block, markers[len(stack)]))
            stack[-1][0].items.append(self.item(found.group(2)))
            index += 1
        for list_block in top:
            self.blocks.append(_checklists(list_block))
        return index

    def item(self, text: str) -> list[Block]:
        marker = _TASK_MARKER.match(text)
        prefix: list[Inline] = []
        if marker:
            # Kept as text for now: a list is a checklist only when every item has a marker.
            prefix = [Span(f"[{marker.group(1).lower()}] ")]
            text = text[marker.end() :]
        inlines = [*prefix, *self.inline(text)] if prefix or text else []
        return [Paragraph(inlines)] if _visible(inlines) else []

    def table(self, index: int) -> int:
        self.end_paragraph()
        rows: list[Row] = []
        while index < len(self.lines) and self.lines[index].strip().startswith("|"):
            cells = [
                Cell(header, [Paragraph(inlines)] if _visible(inlines) else [])
                for header, inlines in (
                    (header, self.inline(text)) for header, text in _cells(self.lines[index])
                )
            ]
            if cells:
                rows.append(Row(cells))
            index += 1
        if rows:
            self.blocks.append(Table(rows))
        return index


def _visible(inlines: list[Inline]) -> bool:
    return any(not isinstance(inline, Span) or inline.text.strip() for inline in inlines)


def _unquoted(blocks: list[Block]) -> list[Block]:
    """A quote's blocks: quotes do not nest in wiki markup, their content joins the outer quote."""
    flat: list[Block] = []
    for block in blocks:
        flat.extend(_unquoted(block.blocks) if isinstance(block, Quote) else [block])
    return flat


def _checklists(block: ListBlock) -> ListBlock | TaskList:
    """The list as a checklist when every item starts with `[x] `/`[ ] `; nested lists likewise."""
    for item in block.items:
        for position, child in enumerate(item):
            if isinstance(child, ListBlock):
                item[position] = _checklists(child)
    if block.ordered or not block.items:
        return block
    states: list[bool] = []
    for item in block.items:
        first = item[0] if item else None
        head = first.inlines[0] if isinstance(first, Paragraph) and first.inlines else None
        if not (isinstance(head, Span) and head.text.startswith(("[x] ", "[ ] "))):
            return block
        states.append(head.text.startswith("[x]"))
    tasks: list[TaskItem] = []
    for checked, item in zip(states, block.items, strict=True):
        first = item[0]
        assert isinstance(first, Paragraph)
        head = first.inlines[0]
        assert isinstance(head, Span)
        rest = head.text[4:]
        inlines = ([Span(rest, head.marks)] if rest else []) + first.inlines[1:]
        blocks: list[Block] = ([Paragraph(inlines)] if _visible(inlines) else []) + item[1:]
        tasks.append(TaskItem(checked, blocks))
    return TaskList([task for task in tasks if task.blocks])


def _cells(line: str) -> list[tuple[bool, str]]:
    """A table row's cells, `(header, markup)`: split on `|`/`||` outside links, images, monospace and
    escapes."""
    text = line.strip()
    cells: list[tuple[bool, str]] = []
    position = 0
    current: list[str] = []
    header = False
    started = False
    while position < len(text):
        char = text[position]
        if char == "\\" and position + 1 < len(text):
            current.append(text[position : position + 2])
            position += 2
            continue
        closing = {"[": "]", "{": "}}", "!": "!"}.get(char)
        if closing and (char != "{" or text.startswith("{{", position)):
            end = text.find(closing, position + (2 if char == "{" else 1))
            if end != -1:
                end += len(closing)
                current.append(text[position:end])
                position = end
                continue
        if char == "|":
            if started:
                cells.append((header, "".join(current)))
            current = []
            started = True
            header = text.startswith("||", position)
            position += 2 if header else 1
            continue
        current.append(char)
        position += 1
    if started and "".join(current).strip():
        cells.append((header, "".join(current)))
    return cells
