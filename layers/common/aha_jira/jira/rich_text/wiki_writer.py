"""The `Document` written as Jira wiki markup (Jira Data Center, REST v2).

What wiki markup cannot say, and how it degrades:
- Table spans: a cell with colspan/rowspan keeps its content in its top-left slot and the other
  slots it covered become empty cells, so every row has the same number of cells.
- Lists, code blocks, tables and quotes inside a table cell, a list item or a heading are
  flattened into lines joined with `\\\\` (list items prefixed `•`/`1.`, code as `{{monospace}}`).
- An ordered list's `start` is lost (wiki lists always count from 1).
- Quotes do not nest; an inner quote's content joins the outer one.
- Images: an attachment of the issue is embedded by name (`!name.png!`), any other image by URL; the alt
  text is kept (`|alt=...`) when it holds nothing that would end the image markup.
- Checklists have no wiki form: they are bullet lists whose items start with `[x]` or `[ ]` (escaped),
  which `wiki_html` reads back as a checklist; inside a table cell or list item line, `☑`/`☐`.
- Text colour is `{color:#rrggbb}...{color}`; subscript `~x~`, superscript `^x^`.
- A code block's language is kept only when Jira's `{code}` macro knows it; otherwise the block
  is `{noformat}` so Jira shows no "unknown language" warning.

Text and URLs are escaped in `wiki_escaping.py`.
"""

from __future__ import annotations

import contextvars
import re
from collections.abc import Sequence
from dataclasses import dataclass

from .document import (
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
    Table,
    TaskList,
)
from .flattening import inline_lines, task_list_as_bullets
from .hosting import ImageHost, no_hosting
from .table_layout import layout_table
from .wiki_escaping import escape_text, escape_url

__all__ = ["CODE_LANGUAGES", "document_to_wiki"]

LINE_BREAK = "\\\\"  # wiki's forced line break, for places where a newline would end the construct

_DELIMITERS = {
    MarkKind.STRONG: "*",
    MarkKind.EM: "_",
    MarkKind.UNDERLINE: "+",
    MarkKind.STRIKE: "-",
    MarkKind.SUB: "~",
    MarkKind.SUP: "^",
}
# A checklist item's state as its line starts (escaped by the writer: `\[x\] `).
CHECKED_MARKER, UNCHECKED_MARKER = "[x] ", "[ ] "
_SAFE_ALT = re.compile(r"[^,|!=\n{}\[\]]+")
_SAFE_FILE_NAME = re.compile(r"[^|!\n\[\]{}]+")
# A neighbour that glues to a `*bold*` delimiter: Jira then needs the `{*}bold{*}` form.
_GLUING = frozenset("_*+-^~")
# Languages Jira's {code} macro highlights; anything else would render a warning panel.
CODE_LANGUAGES = {
    name: name
    for name in (
        "actionscript", "ada", "applescript", "bash", "c", "c#", "c++", "cpp", "css", "erlang", "go",
        "groovy", "haskell", "html", "java", "javascript", "js", "json", "lua", "objc", "perl", "php",
        "python", "r", "ruby", "scala", "sh", "sql", "swift", "visualbasic", "xml", "yaml",
    )
} | {"py": "python", "rb": "ruby", "csharp": "c#", "yml": "yaml", "shell": "bash", "zsh": "bash"}  # fmt: skip


# The writer is a set of functions; the image host of the document being written is set for its duration.
_IMAGES: contextvars.ContextVar[ImageHost] = contextvars.ContextVar("wiki_images", default=no_hosting)


def document_to_wiki(document: Document, images: ImageHost = no_hosting) -> str:
    token = _IMAGES.set(images)
    try:
        return "\n\n".join(
            chunk for chunk in (_block(block, quoted=False) for block in document.blocks) if chunk
        )
    finally:
        _IMAGES.reset(token)


# -- blocks -----------------------------------------------------------------------------------


def _block(block: Block, *, quoted: bool) -> str:  # noqa: PLR0911 - one branch per block type
    if isinstance(block, Paragraph):
        return _inline(block.inlines, line_break="\n", before="", line_start=True)
    if isinstance(block, Heading):
        text = _inline(block.inlines, line_break=LINE_BREAK, before=" ")
        return f"h{block.level}. {text}" if text else ""
    if isinstance(block, CodeBlock):
        return _code(block)
    if isinstance(block, ListBlock):
        return "\n".join(_list_lines(block, ""))
    if isinstance(block, TaskList):
        return "\n".join(_list_lines(_bullets(block), ""))
    if isinstance(block, Quote):
        inner = "\n\n".join(chunk for chunk in (_block(b, quoted=True) for b in block.blocks) if chunk)
        if quoted or not inner:
            return inner
        return "{quote}\n" + inner + "\n{quote}"
    if isinstance(block, Rule):
        return "----"
    return "\n".join(_table_lines(block))


def _code(block: CodeBlock) -> str:
    text = block.text
    language = CODE_LANGUAGES.get(block.language or "")
    if language and "{code}" not in text:
        return f"{{code:{language}}}\n{text}\n{{code}}"
    if "{noformat}" not in text:
        return "{noformat}\n" + text + "\n{noformat}"
    if "{code}" not in text:
        return "{code}\n" + text + "\n{code}"
    # Both terminators occur in the code: break the one that would end the block early.
    return "{noformat}\n" + text.replace("{noformat}", "{noformat\u200b}") + "\n{noformat}"


def _bullets(block: TaskList) -> ListBlock:
    return task_list_as_bullets(block, CHECKED_MARKER, UNCHECKED_MARKER)


def _list_lines(block: ListBlock, prefix: str) -> list[str]:
    marker = prefix + ("#" if block.ordered else "*")
    lines: list[str] = []
    for item in block.items:
        pending: list[list[Inline]] = []
        for child in item:
            if isinstance(child, TaskList):
                child = _bullets(child)  # noqa: PLW2901 - a checklist nests like a bullet list
            if isinstance(child, ListBlock):
                lines.extend(_item_line(marker, pending))
                pending = []
                lines.extend(_list_lines(child, marker))
            else:
                pending.extend(inline_lines([child]))
        lines.extend(_item_line(marker, pending))
    return lines


def _item_line(marker: str, lines: list[list[Inline]]) -> list[str]:
    # A wiki list item is one line: its paragraphs (and flattened blocks) join with `\\`.
    if not lines:
        return []
    text = LINE_BREAK.join(_inline(line, line_break=LINE_BREAK, before=" ") for line in lines)
    return [f"{marker} {text}"]


def _table_lines(table: Table) -> list[str]:
    layout = layout_table(table)
    lines: list[str] = []
    for placed, covered in zip(layout.placed, layout.covered, strict=True):
        starts = dict(placed)
        all_headers = all(cell.header for _, cell in placed)
        line = ""
        delimiter = "|"
        for column, slot in enumerate(covered):
            cell = starts.get(column)
            if cell is not None:
                content, header = _cell_text(cell), cell.header
            else:
                # Wiki has no spans: covered slots and holes become empty cells.
                content, header = "", slot.header if slot is not None else all_headers
            delimiter = "||" if header else "|"
            # An empty cell needs a space, or `||` would read as a header delimiter.
            line += delimiter + (content or " ")
        lines.append(line + delimiter)
    return lines


def _cell_text(cell: Cell) -> str:
    return LINE_BREAK.join(
        _inline(line, line_break=LINE_BREAK, before="|") for line in inline_lines(cell.blocks)
    )


# -- inline -----------------------------------------------------------------------------------


@dataclass
class _Wrapped:
    """A marked group whose delimiters are chosen once its neighbours are known."""

    mark: Mark
    inner: str


def _marks_of(inline: Inline) -> frozenset[Mark]:
    return frozenset() if isinstance(inline, HardBreak) else inline.marks


def _run_length(inlines: Sequence[Inline], start: int, mark: Mark) -> int:
    end = start
    while end < len(inlines) and mark in _marks_of(inlines[end]):
        end += 1
    return end - start


def _inline(
    inlines: Sequence[Inline],
    *,
    line_break: str,
    before: str,
    line_start: bool = False,
    active: frozenset[Mark] = frozenset(),
) -> str:
    """Render inline content whose marks all include `active`.

    Marks are nested by opening, at each position, the mark whose run goes furthest, so
    `<b>a <i>b</i> c</b>` is `*a _b_ c*` rather than three separately bolded pieces."""
    pieces: list[str | _Wrapped] = []
    index = 0
    text_so_far = before
    while index < len(inlines):
        inline = inlines[index]
        extra = _marks_of(inline) - active
        if extra:
            mark = max(sorted(extra), key=lambda m: _run_length(inlines, index, m))
            length = _run_length(inlines, index, mark)
            inner = _inline(
                inlines[index : index + length], line_break=line_break, before="", active=active | {mark}
            )
            pieces.append(_Wrapped(mark, inner))
            text_so_far = "*"  # any delimiter: not a word character, not a space
            index += length
            continue
        at_line_start = line_start and (text_so_far in ("", "\n") or text_so_far.endswith("\n"))
        if isinstance(inline, HardBreak):
            rendered = line_break
        elif isinstance(inline, Image):
            rendered = _image(inline)
        else:
            rendered = escape_text(inline.text, before=text_so_far[-1:], line_start=at_line_start)
        pieces.append(rendered)
        text_so_far = rendered
        index += 1
    return _join_pieces(pieces, before)


def _image(image: Image) -> str:
    hosted = _IMAGES.get()(image.src)
    if hosted is not None and _SAFE_FILE_NAME.fullmatch(hosted.file_name):
        target = hosted.file_name
    else:
        target = escape_url(hosted.url if hosted is not None else image.src)
    alt = image.alt.strip()
    # Inside a link the image's own `|` would read as the link's: no attributes there.
    linked = any(mark.kind is MarkKind.LINK for mark in image.marks)
    if alt and not linked and _SAFE_ALT.fullmatch(alt):
        return f"!{target}|alt={alt}!"
    return f"!{target}!"


def _join_pieces(pieces: list[str | _Wrapped], before: str) -> str:
    out = ""
    for position, piece in enumerate(pieces):
        if isinstance(piece, str):
            out += piece
            continue
        following = pieces[position + 1] if position + 1 < len(pieces) else ""
        next_char = _first_char(following)
        previous_char = out[-1:] if out else before[-1:]
        out += _wrap(piece, glued=_glues(previous_char) or _glues(next_char))
    return out


def _first_char(piece: str | _Wrapped) -> str:
    if isinstance(piece, str):
        return piece[:1]
    if piece.mark.kind is MarkKind.LINK:
        return "["
    if piece.mark.kind in (MarkKind.CODE, MarkKind.COLOR):
        return "{"
    return _DELIMITERS[piece.mark.kind]


def _glues(char: str) -> bool:
    return bool(char) and (char.isalnum() or char in _GLUING)


def _wrap(piece: _Wrapped, *, glued: bool) -> str:
    kind = piece.mark.kind
    if kind is MarkKind.LINK:
        href = escape_url(piece.mark.href)
        return f"[{href}]" if piece.inner == href else f"[{piece.inner}|{href}]"
    if kind is MarkKind.CODE:
        return "{{" + piece.inner + "}}"
    if kind is MarkKind.COLOR:
        return "{color:" + piece.mark.color + "}" + piece.inner + "{color}"
    delimiter = _DELIMITERS[kind]
    if glued:
        # Inside a word Jira only honours the braced form: foo{*}bar{*}baz.
        return f"{{{delimiter}}}{piece.inner}{{{delimiter}}}"
    return f"{delimiter}{piece.inner}{delimiter}"
