"""Text and URLs escaped for Jira wiki markup, so that they read as written.

`*_+^~{}[]|!` always get a backslash, `-` wherever it could open or close a strikethrough or start a
list, `#`/`h1.`/`bq.` at the start of a line, `??`, the emoticon sequences Jira would replace with icons,
and `&` where it would start a character reference. A literal backslash is written `&#92;` because `\\\\`
is a line break and `\\x` an escape. URLs keep their characters except those that would end a link or
image early.
"""

from __future__ import annotations

import re
from html import unescape

__all__ = ["escape_text", "escape_url"]

_ALWAYS_ESCAPED = frozenset("*_+^~{}[]|!")
_EMOTICON = re.compile(r"\((?:[?!/xiyn]|on|off|flag|flagoff)\)", re.IGNORECASE)
_LINE_START_BLOCK = re.compile(r"^(h[1-6]|bq)\.")
_ENTITY_LIKE = re.compile(r"&(?:#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[A-Za-z][A-Za-z0-9]{0,31};?)")
_BARE_URL = re.compile(r"(?:https?|ftp)://[^\s<>\"]+|mailto:[^\s<>\"]+", re.IGNORECASE)


def escape_text(text: str, *, before: str, line_start: bool) -> str:
    """`text` as wiki markup; `before` is what was written just before it, `line_start` whether it starts a line."""
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


def escape_url(url: str) -> str:
    """A URL to write inside `[...]` or `!...!`."""
    # These characters would end the link or image markup early.
    return (
        url.replace(" ", "%20")
        .replace("|", "%7C")
        .replace("]", "%5D")
        .replace("[", "%5B")
        .replace("!", "%21")
    )
