"""Jira wiki markup read back as plain text (a description written in Jira Data Center).

The layout is `adf_reader`'s: blocks separated by a blank line, `- `/`1. ` list lines indented two
spaces per level, table rows with cells joined by ` | `, line breaks as newlines. Markup is removed,
escaped characters are kept as written.
"""

from __future__ import annotations

import re
from html import unescape

__all__ = ["WikiReader"]

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


class WikiReader:
    """Reads the markup line by line into blocks of text; `read` may raise on input nobody foresaw."""

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
