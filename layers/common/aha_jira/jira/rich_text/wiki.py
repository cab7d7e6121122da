"""HTML → Jira wiki markup (Jira Data Center, REST v2) and wiki markup → plain text.

What wiki markup cannot say, and how it degrades:
- Table spans: a cell with colspan/rowspan keeps its content in its top-left slot and the other
  slots it covered become empty cells, so every row has the same number of cells.
- Lists, code blocks, tables and quotes inside a table cell, a list item or a heading are
  flattened into lines joined with `\\\\` (list items prefixed `•`/`1.`, code as `{{monospace}}`).
- An ordered list's `start` is lost (wiki lists always count from 1).
- Quotes do not nest; an inner quote's content joins the outer one.
- Images keep only their URL (`!url!`); the alt text is dropped.
- A code block's language is kept only when Jira's `{code}` macro knows it; otherwise the block
  is `{noformat}` so Jira shows no "unknown language" warning.

Text is escaped so it reads as written: `*_+^~{}[]|!` always get a backslash, `-` wherever it could
open or close a strikethrough or start a list, `#`/`h1.`/`bq.` at the start of a line, `??`,
the emoticon sequences Jira would replace with icons, and `&` where it would start a character
reference. A literal backslash is written `&#92;` because `\\\\` is a line break and `\\x` an escape.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from html import unescape

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
)
from .flattening import inline_lines
from .html_reader import build_document
from .html_tree import clean_chars
from .table_layout import layout_table

__all__ = ["document_to_wiki", "html_to_wiki", "wiki_to_text"]

logger = logging.getLogger(__name__)

LINE_BREAK = "\\\\"  # wiki's forced line break, for places where a newline would end the construct

_DELIMITERS = {
    MarkKind.STRONG: "*",
    MarkKind.EM: "_",
    MarkKind.UNDERLINE: "+",
    MarkKind.STRIKE: "-",
}
_ALWAYS_ESCAPED = frozenset("*_+^~{}[]|!")
# A neighbour that glues to a `*bold*` delimiter: Jira then needs the `{*}bold{*}` form.
_GLUING = frozenset("_*+-^~")
_EMOTICON = re.compile(r"\((?:[?!/xiyn]|on|off|flag|flagoff)\)", re.IGNORECASE)
_LINE_START_BLOCK = re.compile(r"^(h[1-6]|bq)\.")
_ENTITY_LIKE = re.compile(r"&(?:#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[A-Za-z][A-Za-z0-9]{0,31};?)")
_BARE_URL = re.compile(r"(?:https?|ftp)://[^\s<>\"]+|mailto:[^\s<>\"]+", re.IGNORECASE)
# Languages Jira's {code} macro highlights; anything else would render a warning panel.
_CODE_LANGUAGES = {
    name: name
    for name in (
        "actionscript", "ada", "applescript", "bash", "c", "c#", "c++", "cpp", "css", "erlang", "go",
        "groovy", "haskell", "html", "java", "javascript", "js", "json", "lua", "objc", "perl", "php",
        "python", "r", "ruby", "scala", "sh", "sql", "swift", "visualbasic", "xml", "yaml",
    )
} | {"py": "python", "rb": "ruby", "csharp": "c#", "yml": "yaml", "shell": "bash", "zsh": "bash"}  # fmt: skip


def html_to_wiki(html: str) -> str:
    """Convert an HTML fragment to Jira wiki markup. Never raises; "" gives ""."""
    try:
        return document_to_wiki(build_document(html))
    except Exception:
        # A description must never block a send: fall back to its escaped plain text.
        logger.exception("HTML to wiki conversion failed; sending the description as plain text")
        text = " ".join(clean_chars(unescape(re.sub(r"<[^>]*>", " ", html or ""))).split())
        return _escape(text, before="", line_start=True)


def document_to_wiki(document: Document) -> str:
    return "\n\n".join(chunk for chunk in (_block(block, quoted=False) for block in document.blocks) if chunk)


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
    language = _CODE_LANGUAGES.get(block.language or "")
    if language and "{code}" not in text:
        return f"{{code:{language}}}\n{text}\n{{code}}"
    if "{noformat}" not in text:
        return "{noformat}\n" + text + "\n{noformat}"
    if "{code}" not in text:
        return "{code}\n" + text + "\n{code}"
    # Both terminators occur in the code: break the one that would end the block early.
    return "{noformat}\n" + text.replace("{noformat}", "{noformat\u200b}") + "\n{noformat}"


def _list_lines(block: ListBlock, prefix: str) -> list[str]:
    marker = prefix + ("#" if block.ordered else "*")
    lines: list[str] = []
    for item in block.items:
        pending: list[list[Inline]] = []
        for child in item:
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
            rendered = f"!{_url(inline.src)}!"
        else:
            rendered = _escape(inline.text, before=text_so_far[-1:], line_start=at_line_start)
        pieces.append(rendered)
        text_so_far = rendered
        index += 1
    return _join_pieces(pieces, before)


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
    if piece.mark.kind is MarkKind.CODE:
        return "{"
    return _DELIMITERS[piece.mark.kind]


def _glues(char: str) -> bool:
    return bool(char) and (char.isalnum() or char in _GLUING)


def _wrap(piece: _Wrapped, *, glued: bool) -> str:
    kind = piece.mark.kind
    if kind is MarkKind.LINK:
        href = _url(piece.mark.href)
        return f"[{href}]" if piece.inner == href else f"[{piece.inner}|{href}]"
    if kind is MarkKind.CODE:
        return "{{" + piece.inner + "}}"
    delimiter = _DELIMITERS[kind]
    if glued:
        # Inside a word Jira only honours the braced form: foo{*}bar{*}baz.
        return f"{{{delimiter}}}{piece.inner}{{{delimiter}}}"
    return f"{delimiter}{piece.inner}{delimiter}"


def _url(url: str) -> str:
    # These characters would end the link or image markup early.
    return (
        url.replace(" ", "%20")
        .replace("|", "%7C")
        .replace("]", "%5D")
        .replace("[", "%5B")
        .replace("!", "%21")
    )


def _escape(text: str, *, before: str, line_start: bool) -> str:
    # Jira links bare URLs before it applies text effects, so escaping `_` in one would corrupt it;
    # inside a URL only characters that would end the surrounding markup are escaped.
    in_url = {index for match in _BARE_URL.finditer(text) for index in range(match.start(), match.end())}
    out: list[str] = []
    last = len(text) - 1
    for index, char in enumerate(text):
        previous = text[index - 1] if index else before[-1:]
        following = text[index + 1] if index < last else ""
        starts_line = line_start and index == 0
        if index in in_url:
            out.append("\\" + char if char in "|[]{}" else char)
        elif char == "\\":
            out.append("&#92;")
        elif char == "&" and _is_entity(text, index):
            # Jira decodes character references in wiki text; keep this one literal.
            out.append("&amp;")
        elif char in _ALWAYS_ESCAPED:
            out.append("\\" + char)
        elif char == "-":
            intra_word = previous.isalnum() and following.isalnum()
            spaced = previous == " " and following == " "
            out.append("-" if (intra_word or spaced) and not starts_line else "\\-")
        elif char == "#" and starts_line:
            out.append("\\#")
        elif char == "?" and "?" in (previous, following):
            out.append("\\?")
        elif char == "(" and _EMOTICON.match(text, index):
            out.append("\\(")
        elif (char == ":" and following and following in "()PD") or (char == ";" and following == ")"):
            out.append("\\" + char)
        else:
            out.append(char)
    escaped = "".join(out)
    if line_start:
        escaped = _LINE_START_BLOCK.sub(r"\1\\.", escaped)
    return escaped


def _is_entity(text: str, index: int) -> bool:
    match = _ENTITY_LIKE.match(text, index)
    return match is not None and unescape(match.group()) != match.group()


# -- reading ----------------------------------------------------------------------------------

_PRIVATE_BASE = 0xF0000  # escaped characters are parked in a private-use plane while markup is removed
_ESCAPE = re.compile(r"\\\\|\\([^\s\\])")
_PARKED = re.compile("[\U000f0000-\U000ffffd]")
_CODE_START = re.compile(r"\{(code|noformat)(?::[^}]*)?\}")
_STANDALONE_MACRO = re.compile(r"\{(?:quote|panel|noformat|code|color|section|column)(?::[^}]*)?\}")
_HEADING_LINE = re.compile(r"h[1-6]\.\s+(.*)")
_QUOTE_LINE = re.compile(r"bq\.\s+(.*)")
_LIST_LINE = re.compile(r"([*#]+|-)\s+(.*)")
_RULE_LINE = re.compile(r"-{4,}")
_IMAGE = re.compile(r"!([^!\s|][^!|\n]*?)(?:\|[^!\n]*)?!")
_LINK = re.compile(r"\[([^\[\]\n]*)\]")
_MONOSPACE = re.compile(r"\{\{(.+?)\}\}")
_BRACED_DELIMITER = re.compile(r"\{(?:\*|_|\+|-|\^|~|\?\?)\}")
_BRACE_MARK = "\ue000"
_MACRO = re.compile(r"\{[A-Za-z][\w-]*(?::[^{}\n]*)?\}")
_EFFECTS = [
    re.compile(r"(?<![^\W_])" + re.escape(d) + r"(?=\S)(.+?)(?<=\S)" + re.escape(d) + r"(?![^\W_])")
    for d in ("*", "_", "+", "-", "^", "~", "??")
]


def wiki_to_text(wiki: str | None) -> str:
    """Plain text of wiki markup (e.g. a description written in Jira Data Center), never raising.

    Same layout as `adf_to_text`: blocks separated by a blank line, `- `/`1. ` list lines indented
    two spaces per level, table rows with cells joined by ` | `, line breaks as newlines."""
    if not wiki:
        return ""
    try:
        return _WikiReader(wiki).read()
    except Exception:
        logger.exception("wiki markup could not be read; returning it unchanged")
        return wiki.strip()


class _WikiReader:
    def __init__(self, wiki: str) -> None:
        self.lines = wiki.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        self.blocks: list[str] = []
        self.current: list[str] = []
        self.kind = ""
        self.counters: list[tuple[str, int]] = []  # marker and count per list level

    def read(self) -> str:
        index = 0
        while index < len(self.lines):
            index = self._line(index)
        self._end_block()
        return "\n\n".join(self.blocks).strip()

    def _end_block(self) -> None:
        text = "\n".join(self.current).strip("\n")
        if text.strip():
            self.blocks.append(text)
        self.current = []
        self.kind = ""
        self.counters = []

    def _add(self, kind: str, text: str) -> None:
        if kind != self.kind:
            self._end_block()
            self.kind = kind
        self.current.append(text)

    def _line(self, index: int) -> int:
        stripped = self.lines[index].strip()
        code = _CODE_START.match(stripped)
        if code:
            return self._code(index, code)
        if not stripped or _RULE_LINE.fullmatch(stripped) or _STANDALONE_MACRO.fullmatch(stripped):
            self._end_block()
            return index + 1
        heading = _HEADING_LINE.fullmatch(stripped)
        if heading:
            self._end_block()
            self._add("heading", _inline_text(heading.group(1)))
            self._end_block()
            return index + 1
        quote = _QUOTE_LINE.fullmatch(stripped)
        item = _LIST_LINE.fullmatch(stripped)
        if quote:
            self._add("paragraph", _inline_text(quote.group(1)))
        elif item:
            self._list_item(item.group(1), item.group(2))
        elif stripped.startswith("|"):
            self._add("table", _table_row(stripped))
        else:
            self._add("paragraph", _inline_text(stripped))
        return index + 1

    def _list_item(self, markers: str, text: str) -> None:
        if self.kind != "list":
            self._end_block()
            self.kind = "list"
        level = len(markers)
        del self.counters[level:]
        while len(self.counters) < level:
            self.counters.append((markers[len(self.counters)], 0))
        char, count = self.counters[level - 1]
        # `* a` then `# b` at the same level starts a new list: numbering restarts.
        count = count + 1 if char == markers[-1] else 1
        self.counters[level - 1] = (markers[-1], count)
        prefix = f"{count}. " if markers.endswith("#") else "- "
        self.current.append("  " * (level - 1) + prefix + _inline_text(text))

    def _code(self, index: int, start: re.Match[str]) -> int:
        self._end_block()
        terminator = "{" + start.group(1) + "}"
        rest = self.lines[index].strip()[start.end() :]
        body: list[str] = []
        if terminator in rest:
            body.append(rest[: rest.index(terminator)])
        else:
            if rest:
                body.append(rest)
            index += 1
            while index < len(self.lines) and terminator not in self.lines[index]:
                body.append(self.lines[index])
                index += 1
            if index < len(self.lines):
                body.append(self.lines[index][: self.lines[index].index(terminator)])
        text = "\n".join(body).strip("\n")
        if text.strip():
            self.blocks.append(text)
        return index + 1


def _park(match: re.Match[str]) -> str:
    if match.group(0) == "\\\\":
        return "\n"
    char = match.group(1)
    return chr(_PRIVATE_BASE + ord(char)) if ord(char) < 0xFFFE else char


def _unpark(text: str) -> str:
    return _PARKED.sub(lambda m: chr(ord(m.group(0)) - _PRIVATE_BASE), text)


def _link_text(match: re.Match[str]) -> str:
    content = match.group(1)
    if "|" in content:
        text, _, target = content.partition("|")
        return text or target
    if content[:1] in ("~", "^"):
        return content[1:]  # [~user] mention, [^file] attachment
    return content


def _strip_markup(text: str) -> str:
    text = _IMAGE.sub(lambda m: m.group(1), text)
    text = _LINK.sub(_link_text, text)
    text = _MONOSPACE.sub(lambda m: m.group(1), text)
    # Braced delimiters ({*}) stand in as punctuation while the plain ones are matched, as they
    # separate a plain delimiter from the word next to it.
    text = _BRACED_DELIMITER.sub(_BRACE_MARK, text)
    text = _MACRO.sub("", text)
    for _ in range(2):  # a second pass for nested effects such as *_both_*
        for effect in _EFFECTS:
            text = effect.sub(lambda m: m.group(1), text)
    return text.replace(_BRACE_MARK, "")


def _finish(text: str) -> str:
    return unescape(_unpark(text)).strip()


def _inline_text(text: str) -> str:
    return _finish(_strip_markup(_ESCAPE.sub(_park, text)))


def _table_row(line: str) -> str:
    # Links go first: their `|` is not a cell delimiter.
    parked = _LINK.sub(_link_text, _ESCAPE.sub(_park, line))
    cells = re.split(r"\|\|?", parked)
    if cells and not cells[0].strip():
        cells = cells[1:]
    if cells and not cells[-1].strip():
        cells = cells[:-1]
    return " | ".join(_finish(_strip_markup(cell)) for cell in cells).rstrip()
