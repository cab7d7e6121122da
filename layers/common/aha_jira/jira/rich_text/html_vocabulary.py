"""What HTML elements and attributes mean for a rich-text document: which elements are dropped, which
only separate paragraphs, which mark text, head a section or start a list; and how the attributes the
reader uses (numbers such as `colspan`, a code block's language) are read from whatever was written.
"""

from __future__ import annotations

import re

from .document import STRONG, Mark, MarkKind
from .html_tree import Element

__all__ = ["BLOCK_FLOW", "DROPPED", "HEADINGS", "LISTS", "MARK_TAGS", "code_language", "int_attr"]

DROPPED = frozenset(
    {"script", "style", "template", "head", "title", "iframe", "noscript", "object", "svg", "canvas"}
)
# Elements that only start and end paragraphs: their content flows as blocks.
BLOCK_FLOW = frozenset(
    {
        "p", "div", "section", "article", "header", "footer", "main", "aside", "nav", "figure",
        "figcaption", "address", "center", "dl", "dt", "dd", "form", "fieldset", "details",
        "summary", "hgroup", "li", "body", "html", "legend", "caption", "menu",
    }
)  # fmt: skip
MARK_TAGS: dict[str, Mark] = {
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
HEADINGS = {f"h{level}": level for level in range(1, 7)}
LISTS = frozenset({"ul", "ol"})

_LANGUAGE_CLASS = re.compile(r"^(?:language|lang)-(.+)$")
_LANGUAGE_VALUE = re.compile(r"^[a-z0-9][a-z0-9+#._-]{0,31}$")


def code_language(pre: Element) -> str | None:
    """The language a `<pre>` (or its `<code>`) names in a `data-language` or `language-*` class, if sane."""
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


def int_attr(raw: str | None, *, default: int, low: int, high: int) -> int:
    """A number attribute read as browsers do (leading digits), `default` below `low`, capped at `high`."""
    match = re.match(r"\s*\+?(\d+)", raw or "")
    if not match:
        return default
    value = int(match.group(1)[:9])
    if value < low:
        return default
    return min(value, high)
