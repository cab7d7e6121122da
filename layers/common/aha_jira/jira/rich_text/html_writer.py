"""The `Document` written as roadmap HTML: what Jira's descriptions (ADF, wiki markup) become when they go
back to the roadmap.

Every text is escaped and every URL checked again (`links.safe_href`), so nothing an engineer typed in
Jira can become markup or a script in the roadmap. The HTML is the plain kind the HTML reader takes back
unchanged (so HTML → ADF/wiki → HTML keeps what both formats can say): `<p>`, `<h1>`..`<h6>`, lists,
checklists as `<ul data-type="taskList">` with `data-checked` items, `<pre><code class="language-x">`,
`<blockquote>`, `<hr>`, tables with `colspan`/`rowspan`, `<img>`, and the marks `<strong>`, `<em>`,
`<u>`, `<s>`, `<code>`, `<sub>`, `<sup>`, `<span style="color: #rrggbb">`, `<a href>`.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

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
    Marks,
    Paragraph,
    Quote,
    Rule,
    Span,
    Table,
    TaskList,
)
from .links import IMAGE_SCHEMES, safe_href

__all__ = ["document_to_html"]

_TAGS = {
    MarkKind.STRONG: "strong",
    MarkKind.EM: "em",
    MarkKind.UNDERLINE: "u",
    MarkKind.STRIKE: "s",
    MarkKind.CODE: "code",
    MarkKind.SUB: "sub",
    MarkKind.SUP: "sup",
}


def document_to_html(document: Document) -> str:
    return "".join(_block(block) for block in document.blocks)


def _escape(text: str) -> str:
    return html.escape(text, quote=True)


def _block(block: Block) -> str:  # noqa: PLR0911 - one branch per block type
    if isinstance(block, Paragraph):
        return f"<p>{_inlines(block.inlines)}</p>"
    if isinstance(block, Heading):
        level = min(max(block.level, 1), 6)
        return f"<h{level}>{_inlines(block.inlines)}</h{level}>"
    if isinstance(block, CodeBlock):
        language = f' class="language-{_escape(block.language)}"' if block.language else ""
        # HTML drops a newline right after `<pre>`: a text that starts with one needs another.
        lead = "\n" if block.text.startswith("\n") else ""
        return f"<pre><code{language}>{lead}{_escape(block.text)}</code></pre>"
    if isinstance(block, ListBlock):
        tag = "ol" if block.ordered else "ul"
        start = f' start="{block.start}"' if block.ordered and block.start != 1 else ""
        items = "".join(f"<li>{_blocks(item)}</li>" for item in block.items)
        return f"<{tag}{start}>{items}</{tag}>"
    if isinstance(block, TaskList):
        items = "".join(
            f'<li data-type="taskItem" data-checked="{"true" if item.checked else "false"}">'
            f"{_blocks(item.blocks)}</li>"
            for item in block.items
        )
        return f'<ul data-type="taskList">{items}</ul>'
    if isinstance(block, Quote):
        return f"<blockquote>{_blocks(block.blocks)}</blockquote>"
    if isinstance(block, Rule):
        return "<hr>"
    return _table(block)


def _blocks(blocks: Sequence[Block]) -> str:
    return "".join(_block(block) for block in blocks)


def _table(table: Table) -> str:
    rows = "".join(f"<tr>{''.join(_cell(cell) for cell in row.cells)}</tr>" for row in table.rows)
    return f"<table><tbody>{rows}</tbody></table>"


def _cell(cell: Cell) -> str:
    tag = "th" if cell.header else "td"
    spans = "".join(
        f' {name}="{value}"'
        for name, value in (("colspan", cell.colspan), ("rowspan", cell.rowspan))
        if value > 1
    )
    return f"<{tag}{spans}>{_blocks(cell.blocks)}</{tag}>"


def _inlines(inlines: Sequence[Inline]) -> str:
    return "".join(_inline(inline) for inline in inlines)


def _inline(inline: Inline) -> str:
    if isinstance(inline, HardBreak):
        return "<br>"
    if isinstance(inline, Span):
        return _marked(_escape(inline.text), inline.marks)
    return _marked(_image(inline), inline.marks)


def _image(image: Image) -> str:
    src = safe_href(image.src, IMAGE_SCHEMES)
    if src is None:
        return _escape(image.alt)
    alt = f' alt="{_escape(image.alt)}"' if image.alt else ""
    return f'<img src="{_escape(src)}"{alt}>'


def _marked(content: str, marks: Marks) -> str:
    # Marks in their canonical order from the inside out, so the link is outermost.
    for mark in sorted(marks):
        content = _wrap(content, mark)
    return content


def _wrap(content: str, mark: Mark) -> str:
    if mark.kind is MarkKind.LINK:
        href = safe_href(mark.href)
        return f'<a href="{_escape(href)}">{content}</a>' if href else content
    if mark.kind is MarkKind.COLOR:
        if len(mark.color) == 7 and mark.color.startswith("#"):
            return f'<span style="color: {_escape(mark.color)}">{content}</span>'
        return content
    tag = _TAGS[mark.kind]
    return f"<{tag}>{content}</{tag}>"
