"""Parse an HTML fragment into a small element tree with the standard library's tokenizer.

`html.parser` only tokenizes; it does not build a tree or repair markup. This module adds the
few tree-construction rules that matter for roadmap descriptions (implied ends of `p`, `li`, table
parts; end tags that close what they enclose; stray end tags ignored), caps nesting depth so later
recursive passes stay far from Python's recursion limit, and never raises on any input string.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from html import unescape
from html.parser import HTMLParser

__all__ = ["Element", "Node", "Text", "clean_chars", "parse_html", "tagless_text", "text_content"]

logger = logging.getLogger(__name__)

ROOT_TAG = "#root"
# Deeper input is flattened into its 64th level; real descriptions nest a handful of levels.
MAX_DEPTH = 64

VOID_TAGS = frozenset(
    {
        "area", "base", "br", "col", "embed", "hr", "img", "input", "keygen", "link", "meta",
        "param", "source", "track", "wbr",
    }
)  # fmt: skip

# Start tags that end an open paragraph (the HTML "close a p element" rule).
_CLOSES_P = frozenset(
    {
        "address", "article", "aside", "blockquote", "details", "div", "dl", "fieldset",
        "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header",
        "hgroup", "hr", "li", "main", "menu", "nav", "ol", "p", "pre", "section", "table", "ul",
    }
)  # fmt: skip
_P_SCOPE = frozenset({"td", "th", "table", "caption", "button", ROOT_TAG})
_LI_SCOPE = frozenset({"ul", "ol", "menu", "table", "td", "th", "blockquote", ROOT_TAG})
_DL_SCOPE = frozenset({"dl", "table", "td", "th", ROOT_TAG})
_TABLE_SECTIONS = frozenset({"thead", "tbody", "tfoot"})
_TABLE_PARTS = frozenset({"table", "caption", "tr", "td", "th", *_TABLE_SECTIONS})
# An end tag for anything else may not reach out of a table cell (browsers ignore it).
_CELL_FENCE = frozenset({"td", "th", "caption", "table"})

# C0 controls (except tab, LF, CR) and DEL are invalid in XML-ish payloads and Jira refuses NUL;
# lone surrogates cannot be encoded as UTF-8 and would fail the HTTP request.
_UNSAFE_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SURROGATES = re.compile("[\ud800-\udfff]")


def clean_chars(value: str) -> str:
    """Drop control characters and replace lone surrogates so the text is valid Unicode."""
    return _SURROGATES.sub("\ufffd", _UNSAFE_CHARS.sub("", value))


def tagless_text(html: str) -> str:
    """The text of `html` with every tag dropped and whitespace collapsed, without building a tree:
    what a writer that failed on the tree sends instead."""
    return " ".join(clean_chars(unescape(re.sub(r"<[^>]*>", " ", html or ""))).split())


@dataclass
class Text:
    data: str


@dataclass
class Element:
    tag: str
    attrs: dict[str, str] = field(default_factory=dict)
    children: list[Node] = field(default_factory=list)


type Node = Element | Text


def text_content(node: Node) -> str:
    """All text under `node`, as written (no whitespace processing)."""
    if isinstance(node, Text):
        return node.data
    return "".join(text_content(child) for child in node.children)


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element(ROOT_TAG)
        self._stack: list[Element] = [self.root]

    # -- tokenizer callbacks -------------------------------------------------------------------

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._apply_implied_ends(tag)
        element = Element(tag, {name: clean_chars(value or "") for name, value in attrs})
        self._stack[-1].children.append(element)
        if tag not in VOID_TAGS and len(self._stack) < MAX_DEPTH:
            self._stack.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        # `<br/>` must not also run the end-tag path (a stray `</br>` means another break).
        self.handle_starttag(tag, attrs)
        if tag not in VOID_TAGS:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag == "br":
            # Browsers read `</br>` as a line break.
            self._stack[-1].children.append(Element("br"))
            return
        if tag in VOID_TAGS:
            return
        fence = frozenset({ROOT_TAG}) if tag in _TABLE_PARTS else _CELL_FENCE | {ROOT_TAG}
        index = self._find_open(frozenset({tag}), fence)
        if index is not None:
            del self._stack[index:]

    def handle_data(self, data: str) -> None:
        data = clean_chars(data)
        if not data:
            return
        children = self._stack[-1].children
        if children and isinstance(children[-1], Text):
            children[-1].data += data
        else:
            children.append(Text(data))

    def parse_html_declaration(self, i: int) -> int:
        # The base class raises AssertionError on `<![foo[`; HTML treats marked sections outside
        # SVG/MathML as bogus comments, so skip them the same way.
        rawdata = self.rawdata
        if rawdata.startswith("<![", i):
            terminator = "]]>" if rawdata.startswith("<![CDATA[", i) else ">"
            end = rawdata.find(terminator, i + 3)
            return -1 if end < 0 else end + len(terminator)
        return super().parse_html_declaration(i)

    # -- tree construction ---------------------------------------------------------------------

    def _find_open(self, tags: frozenset[str], fence: frozenset[str]) -> int | None:
        """Index in the stack of the innermost open element named in `tags`, unless a `fence` comes first."""
        for index in range(len(self._stack) - 1, 0, -1):
            open_tag = self._stack[index].tag
            if open_tag in tags:
                return index
            if open_tag in fence:
                return None
        return None

    def _close(self, tags: frozenset[str], fence: frozenset[str]) -> None:
        index = self._find_open(tags, fence)
        if index is not None:
            del self._stack[index:]

    def _apply_implied_ends(self, tag: str) -> None:
        if tag in _CLOSES_P:
            self._close(frozenset({"p"}), _P_SCOPE)
        if tag == "li":
            self._close(frozenset({"li"}), _LI_SCOPE)
        elif tag in ("dt", "dd"):
            self._close(frozenset({"dt", "dd"}), _DL_SCOPE)
        elif tag in ("td", "th"):
            self._close(frozenset({"td", "th"}), frozenset({"tr", "table", ROOT_TAG}))
        elif tag == "tr":
            self._close(frozenset({"tr"}), frozenset({"table", ROOT_TAG}))
        elif tag in _TABLE_SECTIONS:
            self._close(_TABLE_SECTIONS | {"caption"}, frozenset({"table", ROOT_TAG}))


def _parse(html: str) -> Element:
    builder = _TreeBuilder()
    builder.feed(html)
    builder.close()
    return builder.root


def parse_html(html: str) -> Element:
    """Parse `html` into a tree rooted at an element named `#root`; never raises."""
    # The stdlib tokenizer still raises AssertionError on some SGML declarations: retry with every
    # declaration-like construct neutralised, and as a last resort keep the input as text.
    for attempt in (html, html.replace("<!", "&lt;!")):
        try:
            return _parse(attempt)
        except Exception as error:
            logger.debug("HTML tokenizer failed: %r", error)
    return Element(ROOT_TAG, children=[Text(clean_chars(html))])
