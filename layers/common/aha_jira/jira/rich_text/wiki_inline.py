"""Jira wiki markup's inline content read into the document's inlines (for `wiki_html`).

What Jira honours: `\\x` escapes and `\\\\` line breaks, character references, `*strong*`, `_em_`,
`+underline+`, `-strike-`, `^sup^`, `~sub~`, `??cite??` (emphasis), the braced forms inside words
(`{*}x{*}`), `{{monospace}}`, `{color:x}...{color}`, `[text|url]`, `[url]`, `[~user]`, `[^attachment]`,
`!image!` / `!image|alt=...!`. A plain delimiter opens before a non-space and not after a letter or digit,
and closes after a non-space and not before one; delimiters are paired innermost-first like CommonMark's,
and what is not paired is text. Links and images keep only http(s) (and mailto) targets; an attachment is
shown from `attachment_url` when the caller can say where.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from html import unescape

from .colors import css_color
from .document import NO_MARKS, HardBreak, Image, Inline, Mark, MarkKind, Marks, Span
from .inline_runs import merge_spans
from .links import IMAGE_SCHEMES, safe_href

__all__ = ["AttachmentUrl", "parse_inline", "prepare", "restore"]

# An attachment's file name → the URL it can be shown from (None: unknown).
type AttachmentUrl = Callable[[str], str | None]

_PRIVATE_BASE = 0xF0000  # escaped characters are parked in a private-use plane while markup is read
_BREAK = "\ue001"  # a line break (`\\` or a newline) while markup is read
_ESCAPE = re.compile(r"\\\\|\\([^\s\\])")
_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_PARKED = re.compile("[\U000f0000-\U000ffffd]")
_TOKEN = re.compile(
    r"(?P<mono>\{\{(?P<mono_inner>.+?)\}\})"
    r"|(?P<link>\[(?P<link_inner>[^\[\]]*)\])"
    r"|(?P<image>!(?P<image_inner>[^!\s|" + _BREAK + r"][^!" + _BREAK + r"]*?)!)"
    r"|(?P<color>\{color(?::(?P<color_value>[^{}]*))?\})"
    r"|(?P<braced>\{(?P<braced_char>[*_+\-^~]|\?\?)\})"
    r"|(?P<macro>\{[A-Za-z][\w-]*(?::[^{}]*)?\})"
    r"|(?P<break>" + _BREAK + r")"
)
_DELIMITER = re.compile(r"\?\?|[*_+\-^~]")
_IN_WORD = frozenset("^~")
_EFFECTS = {
    "*": Mark(MarkKind.STRONG),
    "_": Mark(MarkKind.EM),
    "??": Mark(MarkKind.EM),
    "+": Mark(MarkKind.UNDERLINE),
    "-": Mark(MarkKind.STRIKE),
    "^": Mark(MarkKind.SUP),
    "~": Mark(MarkKind.SUB),
}
_ALT = re.compile(r"(?:^|,)\s*alt\s*=\s*([^,]*)")


def prepare(text: str) -> str:
    """Escapes and character references parked (they are literal text), line breaks as one character."""

    def park_escape(match: re.Match[str]) -> str:
        if match.group(0) == "\\\\":
            return _BREAK
        return _park(match.group(1))

    text = _ESCAPE.sub(park_escape, text.replace("\r\n", "\n").replace("\r", "\n"))
    text = _ENTITY.sub(lambda m: "".join(_park(ch) for ch in unescape(m.group(0))), text)
    return text.replace("\n", _BREAK)


def restore(text: str) -> str:
    """Parked characters back as they were written."""
    return _PARKED.sub(lambda m: chr(ord(m.group(0)) - _PRIVATE_BASE), text)


def _park(char: str) -> str:
    return chr(_PRIVATE_BASE + ord(char)) if ord(char) < 0xFFFE else char


@dataclass
class _Token:
    kind: str  # text, open, close, literal, inline
    text: str = ""
    mark: Mark | None = None
    inlines: list[Inline] = field(default_factory=list)
    can_open: bool = False
    can_close: bool = False
    delimiter: str = ""


def parse_inline(
    prepared: str, attachment_url: AttachmentUrl, marks: Marks = NO_MARKS, depth: int = 0
) -> list[Inline]:
    """Inline content of `prepare`d markup, each piece with `marks` and those the markup adds."""
    tokens = _tokens(prepared, attachment_url, depth)
    _pair(tokens)
    inlines: list[Inline] = []
    active: list[Mark] = list(marks)
    for token in tokens:
        if token.kind == "open" and token.mark is not None:
            if token.mark.kind is not MarkKind.COLOR or token.mark.color:
                active.append(token.mark)
        elif token.kind == "close" and token.mark is not None:
            if token.mark in active:
                active.reverse()
                active.remove(token.mark)
                active.reverse()
        elif token.kind == "inline":
            inlines.extend(_with_marks(inline, _normal(active)) for inline in token.inlines)
        elif token.text:
            inlines.append(Span(restore(token.text), _normal(active)))
    return merge_spans(inlines)


def _normal(active: list[Mark]) -> Marks:
    """The active marks as a set: the innermost colour, link and sub/superscript win."""
    chosen: dict[object, Mark] = {}
    for mark in active:
        key: object = (
            mark
            if mark.kind not in (MarkKind.COLOR, MarkKind.LINK, MarkKind.SUB, MarkKind.SUP)
            else ("subsup" if mark.kind in (MarkKind.SUB, MarkKind.SUP) else mark.kind)
        )
        chosen[key] = mark
    return frozenset(chosen.values())


def _with_marks(inline: Inline, marks: Marks) -> Inline:
    if isinstance(inline, HardBreak) or not marks:
        return inline
    merged = _normal([*marks, *sorted(inline.marks)])
    return Span(inline.text, merged) if isinstance(inline, Span) else Image(inline.src, inline.alt, merged)


def _tokens(text: str, attachment_url: AttachmentUrl, depth: int) -> list[_Token]:
    tokens: list[_Token] = []
    position = 0
    for match in _TOKEN.finditer(text):
        if match.start() > position:
            tokens.extend(_text_tokens(text, position, match.start()))
        tokens.append(_construct(match, text, attachment_url, depth))
        position = match.end()
    if position < len(text):
        tokens.extend(_text_tokens(text, position, len(text)))
    return tokens


def _construct(match: re.Match[str], text: str, attachment_url: AttachmentUrl, depth: int) -> _Token:  # noqa: PLR0911
    if match.group("break"):
        return _Token("inline", inlines=[HardBreak()])
    if match.group("mono"):
        inner = match.group("mono_inner")
        code = frozenset({Mark(MarkKind.CODE)})
        return _Token("inline", inlines=_nested(inner, attachment_url, code, depth))
    if match.group("link"):
        return _Token("inline", inlines=_link(match.group("link_inner"), attachment_url, depth))
    if match.group("image"):
        return _Token("inline", inlines=_image(match.group("image_inner"), attachment_url))
    if match.group("color"):
        value = match.group("color_value")
        if value is None:
            return _Token("close", mark=Mark(MarkKind.COLOR), delimiter="color", can_close=True)
        color = css_color(restore(value))
        # A colour nobody can show still opens a region its `{color}` closes: pair it, show no colour.
        return _Token("open", mark=Mark(MarkKind.COLOR, color=color or ""), delimiter="color", can_open=True)
    if match.group("braced"):
        char = match.group("braced_char")
        return _Token(
            "delimiter",
            text=match.group(0),
            mark=_EFFECTS[char],
            delimiter=char,
            can_open=True,
            can_close=True,
        )
    return _Token("text")  # another macro ({anchor:x}, {toc}): nothing to show


def _nested(inner: str, attachment_url: AttachmentUrl, marks: Marks, depth: int) -> list[Inline]:
    if depth > 8:
        return [Span(restore(inner), marks)]
    return parse_inline(inner, attachment_url, marks, depth + 1)


def _text_tokens(text: str, start: int, end: int) -> list[_Token]:
    tokens: list[_Token] = []
    position = start
    for match in _DELIMITER.finditer(text, start, end):
        before = text[match.start() - 1] if match.start() > 0 else ""
        after = text[match.end()] if match.end() < len(text) else ""
        # Sub- and superscript also work inside words (`H~2~O`, `x^2^`), as Jira shows them.
        in_word = match.group(0) in _IN_WORD
        can_open = (
            (in_word or not before or not before.isalnum())
            and bool(after)
            and not after.isspace()
            and after != _BREAK
        )
        can_close = (
            bool(before)
            and not before.isspace()
            and before != _BREAK
            and (in_word or not after or not after.isalnum())
        )
        if not (can_open or can_close):
            continue
        if match.start() > position:
            tokens.append(_Token("text", text=text[position : match.start()]))
        delimiter = match.group(0)
        tokens.append(
            _Token(
                "delimiter",
                text=delimiter,
                mark=_EFFECTS[delimiter],
                delimiter=delimiter,
                can_open=can_open,
                can_close=can_close,
            )
        )
        position = match.end()
    if position < end:
        tokens.append(_Token("text", text=text[position:end]))
    return tokens


def _pair(tokens: list[_Token]) -> None:
    """Pair openers with closers, innermost first; what stays unpaired is text."""
    stack: list[int] = []
    for index, token in enumerate(tokens):
        if token.kind not in ("delimiter", "open", "close"):
            continue
        opener = next(
            (
                position
                for position in reversed(stack)
                if tokens[position].delimiter == token.delimiter and token.can_close
            ),
            None,
        )
        if opener is not None and _has_content(tokens, opener, index):
            # Openers inside the pair that found no closer are text.
            while stack and stack[-1] != opener:
                tokens[stack.pop()].kind = "text"
            stack.pop()
            tokens[opener].kind = "open"
            token.kind = "close"
            token.mark = tokens[opener].mark
            continue
        if token.can_open:
            token.kind = "pending"
            stack.append(index)
        else:
            token.kind = "text"
    for position in stack:
        tokens[position].kind = "text"
    for token in tokens:
        if token.kind in ("pending", "delimiter"):
            token.kind = "text"
        if token.kind == "text" and token.delimiter == "color":
            token.text = ""


def _has_content(tokens: list[_Token], opener: int, closer: int) -> bool:
    return any(t.kind == "inline" or (t.kind == "text" and t.text) for t in tokens[opener + 1 : closer])


def _link(inner: str, attachment_url: AttachmentUrl, depth: int) -> list[Inline]:
    # The target is the last part: URLs are written with `|` encoded, an alias may hold an image's `|`.
    alias, bar, target = inner.rpartition("|")
    if not bar:
        alias, target = "", inner
    target = restore(target).strip()
    if target.startswith("~"):  # a user mention: the name
        return [Span(target[1:])] if not alias else _nested(alias, attachment_url, NO_MARKS, depth)
    if target.startswith("^"):  # an attachment
        name = target[1:]
        href = attachment_url(name)
        label: list[Inline] = _nested(alias, attachment_url, NO_MARKS, depth) if alias else [Span(name)]
        return _link_marked(label, href)
    href = safe_href(target)
    shown: list[Inline] = (
        _nested(alias, attachment_url, NO_MARKS, depth) if alias else [Span(target.lstrip("#"))]
    )
    return _link_marked(shown, href)


def _link_marked(label: list[Inline], href: str | None) -> list[Inline]:
    if href is None:
        return label
    link = Mark(MarkKind.LINK, href)
    return [
        inline if isinstance(inline, HardBreak) else _with_marks(inline, frozenset({link}))
        for inline in label
    ]


def _image(inner: str, attachment_url: AttachmentUrl) -> list[Inline]:
    target, _, attributes = restore(inner).partition("|")
    target = target.strip()
    alt_match = _ALT.search(attributes)
    alt = alt_match.group(1).strip() if alt_match else ""
    src = safe_href(target, IMAGE_SCHEMES)
    if src is None and "://" not in target:
        src = safe_href(attachment_url(target) or "", IMAGE_SCHEMES)
    if src is None:
        shown = alt or target
        return [Span(shown)] if shown else []
    return [Image(src, alt)]
