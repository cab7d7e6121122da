"""A strict checker for the ADF subset the converter may produce, on top of Atlassian's own schema.

Every document is first checked against Atlassian's full ADF schema (`tests/adf_schema.py`), then against
rules stricter than Jira where it costs nothing (no unknown keys, merged neighbouring text runs, tables
that are rectangular once spans are applied, images only as external media), so a converter regression
fails here before Jira would refuse the body.
"""

from __future__ import annotations

from typing import Any

from tests.adf_schema import adf_schema_errors

INLINE = frozenset({"text", "hardBreak"})
BLOCKS_IN_DOC = frozenset(
    {
        "paragraph", "heading", "bulletList", "orderedList", "taskList", "codeBlock", "blockquote",
        "rule", "table", "mediaSingle",
    }
)  # fmt: skip
LIST_ITEM_FIRST = frozenset({"paragraph", "codeBlock"})
LIST_ITEM_REST = frozenset({"paragraph", "codeBlock", "bulletList", "orderedList", "taskList", "mediaSingle"})
BLOCKS_IN_QUOTE = frozenset({"paragraph", "codeBlock", "bulletList", "orderedList", "mediaSingle"})
BLOCKS_IN_CELL = frozenset(
    {
        "paragraph", "heading", "bulletList", "orderedList", "taskList", "codeBlock", "blockquote", "rule",
        "mediaSingle",
    }
)  # fmt: skip
MARKS = frozenset({"strong", "em", "underline", "strike", "code", "link", "subsup", "textColor"})
ALLOWED_KEYS = {
    "doc": {"type", "version", "content"},
    "text": {"type", "text", "marks"},
    "hardBreak": {"type"},
    "rule": {"type"},
    "heading": {"type", "attrs", "content"},
    "codeBlock": {"type", "attrs", "content"},
    "orderedList": {"type", "attrs", "content"},
    "table": {"type", "attrs", "content"},
    "tableHeader": {"type", "attrs", "content"},
    "tableCell": {"type", "attrs", "content"},
    "mediaSingle": {"type", "attrs", "content"},
    "media": {"type", "attrs", "marks"},
    "taskList": {"type", "attrs", "content"},
    "taskItem": {"type", "attrs", "content"},
}


class AdfError(AssertionError):
    pass


def validate_adf(doc: Any) -> None:
    """Raise AdfError naming the path of the first rule `doc` breaks (Atlassian's schema first)."""
    problems = adf_schema_errors(doc)
    if problems:
        raise AdfError(f"not valid against Atlassian's ADF schema: {problems[0]}")
    if not isinstance(doc, dict) or doc.get("type") != "doc" or doc.get("version") != 1:
        raise AdfError("root must be {'type': 'doc', 'version': 1, ...}")
    _keys(doc, "doc")
    _children(doc, "doc", BLOCKS_IN_DOC, minimum=0)


def _fail(path: str, message: str) -> None:
    raise AdfError(f"{path}: {message}")


def _keys(node: dict[str, Any], path: str) -> None:
    allowed = ALLOWED_KEYS.get(node["type"], {"type", "content"})
    extra = set(node) - allowed
    if extra:
        _fail(path, f"unexpected keys {sorted(extra)}")


def _children(
    node: dict[str, Any], path: str, allowed: frozenset[str], *, minimum: int
) -> list[dict[str, Any]]:
    content = node.get("content")
    if not isinstance(content, list):
        _fail(path, "content must be a list")
    assert isinstance(content, list)
    if len(content) < minimum:
        _fail(path, f"needs at least {minimum} child node(s)")
    for index, child in enumerate(content):
        child_path = f"{path}[{index}]"
        if not isinstance(child, dict) or not isinstance(child.get("type"), str):
            _fail(child_path, "a node must be an object with a type")
        if child["type"] not in allowed:
            _fail(
                child_path, f"{child['type']} is not allowed in {node['type']} (allowed: {sorted(allowed)})"
            )
        _node(child, child_path)
    return content


def _node(node: dict[str, Any], path: str) -> None:  # noqa: PLR0912 - one branch per node type
    kind = node["type"]
    _keys(node, path)
    if "marks" in node and kind not in ("text", "media"):
        _fail(path, "only text and media nodes carry marks")
    if kind == "text":
        _text(node, path, code_block=False)
    elif kind in ("hardBreak", "rule"):
        if "content" in node:
            _fail(path, f"{kind} has no content")
    elif kind == "paragraph":
        _inline_children(node, path)
    elif kind == "heading":
        if node.get("attrs", {}).get("level") not in range(1, 7):
            _fail(path, "heading needs attrs.level 1..6")
        _inline_children(node, path)
    elif kind == "codeBlock":
        attrs = node.get("attrs", {})
        if set(attrs) - {"language"} or not all(isinstance(v, str) and v for v in attrs.values()):
            _fail(path, "codeBlock attrs may only hold a non-empty language")
        for index, child in enumerate(_children(node, path, frozenset({"text"}), minimum=0)):
            _text(child, f"{path}[{index}]", code_block=True)
    elif kind in ("bulletList", "orderedList"):
        if kind == "orderedList" and "attrs" in node:
            order = node["attrs"].get("order")
            if set(node["attrs"]) != {"order"} or not isinstance(order, int) or order < 0:
                _fail(path, "orderedList attrs.order must be an integer >= 0")
        _children(node, path, frozenset({"listItem"}), minimum=1)
    elif kind == "listItem":
        content = _children(node, path, LIST_ITEM_REST, minimum=1)
        if content[0]["type"] not in LIST_ITEM_FIRST:
            _fail(path, "a listItem must start with a paragraph or codeBlock")
    elif kind == "blockquote":
        _children(node, path, BLOCKS_IN_QUOTE, minimum=1)
    elif kind == "table":
        _table(node, path)
    elif kind == "tableRow":
        _children(node, path, frozenset({"tableHeader", "tableCell"}), minimum=1)
    elif kind == "mediaSingle":
        if node.get("attrs") != {"layout": "center"}:
            _fail(path, "mediaSingle attrs are {'layout': 'center'}")
        _children(node, path, frozenset({"media"}), minimum=1)
        if len(node["content"]) != 1:
            _fail(path, "a mediaSingle holds exactly one media")
    elif kind == "media":
        _media(node, path)
    elif kind == "taskList":
        _local_id(node, path, {"localId"})
        _children(node, path, frozenset({"taskItem", "taskList"}), minimum=1)
        if node["content"][0]["type"] != "taskItem":
            _fail(path, "a taskList starts with a taskItem")
    elif kind == "taskItem":
        _local_id(node, path, {"localId", "state"})
        if node["attrs"]["state"] not in ("DONE", "TODO"):
            _fail(path, "a taskItem's state is DONE or TODO")
        if "content" in node:
            _inline_children(node, path)
    elif kind in ("tableHeader", "tableCell"):
        attrs = node.get("attrs", {})
        for name, value in attrs.items():
            if name not in ("colspan", "rowspan") or not isinstance(value, int) or value < 2:
                _fail(path, f"cell attribute {name}={value!r} is not a span above 1")
        _children(node, path, BLOCKS_IN_CELL, minimum=1)
    else:
        _fail(path, f"unexpected node type {kind}")


def _local_id(node: dict[str, Any], path: str, keys: set[str]) -> None:
    attrs = node.get("attrs")
    if not isinstance(attrs, dict) or set(attrs) != keys or not attrs.get("localId"):
        _fail(path, f"{node['type']} attrs are {sorted(keys)} with a non-empty localId")


def _media(node: dict[str, Any], path: str) -> None:
    attrs = node.get("attrs", {})
    if attrs.get("type") != "external" or set(attrs) - {"type", "url", "alt"}:
        _fail(path, "media is external, with a url and maybe an alt")
    if not str(attrs.get("url", "")).lower().startswith(("http://", "https://")):
        _fail(path, f"media url {attrs.get('url')!r} is not http(s)")
    for mark in node.get("marks", []):
        if mark.get("type") != "link":
            _fail(path, "media carries only a link mark")
        _mark(mark, path)


def _inline_children(node: dict[str, Any], path: str) -> None:
    content = _children(node, path, INLINE, minimum=0)
    for index in range(1, len(content)):
        before, after = content[index - 1], content[index]
        if before["type"] == after["type"] == "text" and before.get("marks") == after.get("marks"):
            _fail(f"{path}[{index}]", "neighbouring text nodes with the same marks should be one node")


def _text(node: dict[str, Any], path: str, *, code_block: bool) -> None:
    text = node.get("text")
    if not isinstance(text, str) or not text:
        _fail(path, "text must be a non-empty string")
    if "content" in node:
        _fail(path, "text has no content")
    if "marks" not in node:
        return
    marks = node["marks"]
    if code_block:
        _fail(path, "text in a codeBlock carries no marks")
    if not isinstance(marks, list) or not marks:
        _fail(path, "marks, when present, is a non-empty list")
    kinds = [mark.get("type") for mark in marks]
    if len(set(kinds)) != len(kinds):
        _fail(path, f"duplicate marks {kinds}")
    if set(kinds) - MARKS:
        _fail(path, f"unknown marks {sorted(set(kinds) - MARKS)}")
    if [kind for kind in kinds if kind == "subsup"].__len__() > 1:
        _fail(path, "one subsup mark at most")
    if "code" in kinds and set(kinds) - {"code", "link"}:
        _fail(path, f"code combines only with link, not {kinds}")
    for mark in marks:
        _mark(mark, path)


def _mark(mark: dict[str, Any], path: str) -> None:
    if mark["type"] == "subsup":
        if mark != {"type": "subsup", "attrs": {"type": mark.get("attrs", {}).get("type")}} or mark["attrs"][
            "type"
        ] not in ("sub", "sup"):
            _fail(path, "a subsup mark is {'type': 'subsup', 'attrs': {'type': 'sub'|'sup'}}")
        return
    if mark["type"] == "textColor":
        color = mark.get("attrs", {}).get("color", "")
        if set(mark) != {"type", "attrs"} or set(mark["attrs"]) != {"color"} or len(color) != 7:
            _fail(path, "a textColor mark is {'type': 'textColor', 'attrs': {'color': '#rrggbb'}}")
        return
    if mark["type"] != "link":
        if set(mark) != {"type"}:
            _fail(path, f"{mark['type']} mark takes no attributes")
        return
    if set(mark) != {"type", "attrs"} or set(mark["attrs"]) != {"href"}:
        _fail(path, "a link mark is {'type': 'link', 'attrs': {'href': ...}}")
    if not mark["attrs"]["href"].lower().startswith(("http://", "https://", "mailto:")):
        _fail(path, f"unsafe link {mark['attrs']['href']!r}")


def _table(node: dict[str, Any], path: str) -> None:
    if node.get("attrs") not in (None, {"isNumberColumnEnabled": False, "layout": "default"}):
        _fail(path, f"unexpected table attrs {node.get('attrs')}")
    rows = _children(node, path, frozenset({"tableRow"}), minimum=1)
    # Apply spans to a grid: every row must come out the same width, with no overlaps.
    occupied: set[tuple[int, int]] = set()
    for r, row in enumerate(rows):
        column = 0
        for cell in row["content"]:
            while (r, column) in occupied:
                column += 1
            colspan = cell.get("attrs", {}).get("colspan", 1)
            rowspan = cell.get("attrs", {}).get("rowspan", 1)
            if r + rowspan > len(rows):
                _fail(f"{path}[{r}]", "a rowspan reaches past the last row")
            for dr in range(rowspan):
                for dc in range(colspan):
                    occupied.add((r + dr, column + dc))
            column += colspan
    widths = {sum(1 for (row, _) in occupied if row == r) for r in range(len(rows))}
    width = max(c for (_, c) in occupied) + 1
    if widths != {width}:
        _fail(path, f"rows are not rectangular once spans apply (row widths {sorted(widths)}, width {width})")
