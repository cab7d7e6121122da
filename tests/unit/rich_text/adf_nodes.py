"""Short constructors for expected ADF, so exact-output tests read like the document they expect."""

from __future__ import annotations

from typing import Any

Node = dict[str, Any]


def doc(*content: Node) -> Node:
    return {"type": "doc", "version": 1, "content": list(content)}


def text(value: str, *marks: str | Node) -> Node:
    node: Node = {"type": "text", "text": value}
    if marks:
        node["marks"] = [{"type": mark} if isinstance(mark, str) else mark for mark in marks]
    return node


def link(href: str) -> Node:
    return {"type": "link", "attrs": {"href": href}}


def p(*content: Node | str) -> Node:
    return {"type": "paragraph", "content": [text(c) if isinstance(c, str) else c for c in content]}


def br() -> Node:
    return {"type": "hardBreak"}


def h(level: int, *content: Node | str) -> Node:
    return {"type": "heading", "attrs": {"level": level}, "content": p(*content)["content"]}


def ul(*items: Node) -> Node:
    return {"type": "bulletList", "content": list(items)}


def ol(*items: Node, order: int | None = None) -> Node:
    node: Node = {"type": "orderedList"}
    if order is not None:
        node["attrs"] = {"order": order}
    node["content"] = list(items)
    return node


def li(*content: Node | str) -> Node:
    return {"type": "listItem", "content": [p(c) if isinstance(c, str) else c for c in content]}


def code_block(value: str, language: str | None = None) -> Node:
    node: Node = {"type": "codeBlock"}
    if language:
        node["attrs"] = {"language": language}
    node["content"] = [text(value)] if value else []
    return node


def quote(*content: Node) -> Node:
    return {"type": "blockquote", "content": list(content)}


def rule() -> Node:
    return {"type": "rule"}


def table(*rows: Node) -> Node:
    return {
        "type": "table",
        "attrs": {"isNumberColumnEnabled": False, "layout": "default"},
        "content": list(rows),
    }


def tr(*cells: Node) -> Node:
    return {"type": "tableRow", "content": list(cells)}


def _cell(kind: str, content: tuple[Node | str, ...], colspan: int, rowspan: int) -> Node:
    node: Node = {"type": kind}
    spans = {k: v for k, v in (("colspan", colspan), ("rowspan", rowspan)) if v > 1}
    if spans:
        node["attrs"] = spans
    node["content"] = [p(c) if isinstance(c, str) else c for c in content] or [p()]
    return node


def th(*content: Node | str, colspan: int = 1, rowspan: int = 1) -> Node:
    return _cell("tableHeader", content, colspan, rowspan)


def td(*content: Node | str, colspan: int = 1, rowspan: int = 1) -> Node:
    return _cell("tableCell", content, colspan, rowspan)


def image(url: str, alt: str = "", href: str | None = None) -> Node:
    attrs: Node = {"type": "external", "url": url}
    if alt:
        attrs["alt"] = alt
    media: Node = {"type": "media", "attrs": attrs}
    if href is not None:
        media["marks"] = [link(href)]
    return {"type": "mediaSingle", "attrs": {"layout": "center"}, "content": [media]}


def task_list(*items: Node) -> Node:
    """A taskList; its `localId`s are whatever the writer gave (`without_local_ids` drops them to compare)."""
    return {"type": "taskList", "content": list(items)}


def task(state: str, *content: Node | str) -> Node:
    node: Node = {"type": "taskItem", "attrs": {"state": state}}
    if content:
        node["content"] = [text(c) if isinstance(c, str) else c for c in content]
    return node


def sub(value: str) -> Node:
    return text(value, {"type": "subsup", "attrs": {"type": "sub"}})


def sup(value: str) -> Node:
    return text(value, {"type": "subsup", "attrs": {"type": "sup"}})


def color(hex_color: str) -> Node:
    return {"type": "textColor", "attrs": {"color": hex_color}}


def without_local_ids(node: object) -> object:
    """The document with task lists' and items' `localId`s removed (they are opaque ids)."""
    if isinstance(node, list):
        return [without_local_ids(child) for child in node]
    if not isinstance(node, dict):
        return node
    out = {key: without_local_ids(value) for key, value in node.items()}
    if node.get("type") in ("taskList", "taskItem"):
        attrs = {k: v for k, v in node.get("attrs", {}).items() if k != "localId"}
        if attrs:
            out["attrs"] = attrs
        else:
            out.pop("attrs", None)
    return out
