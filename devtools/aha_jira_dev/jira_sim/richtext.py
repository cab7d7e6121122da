"""Rich text: Atlassian Document Format (API v3) and wiki-markup strings (API v2 / Data Center).

The simulator stores a rich-text value the way it was written (an ADF dict or a string) and converts on read:
v3 readers always get ADF, v2 readers (and webhooks, which carry the v2 representation) always get a string.
"""

from __future__ import annotations

import html
import re
from typing import Any

BLOCK_NODES = frozenset(
    {
        "paragraph",
        "heading",
        "bulletList",
        "orderedList",
        "listItem",
        "codeBlock",
        "blockquote",
        "rule",
        "panel",
        "table",
        "tableRow",
        "tableHeader",
        "tableCell",
        "mediaSingle",
        "mediaGroup",
        "media",
        "expand",
        "nestedExpand",
        "taskList",
        "taskItem",
        "decisionList",
        "decisionItem",
        "blockCard",
        "embedCard",
        "extension",
        "bodiedExtension",
        "multiBodiedExtension",
        "layoutSection",
        "layoutColumn",
    }
)
INLINE_NODES = frozenset(
    {
        "text",
        "hardBreak",
        "mention",
        "emoji",
        "inlineCard",
        "date",
        "status",
        "mediaInline",
        "placeholder",
        "inlineExtension",
    }
)
MARKS = frozenset(
    {
        "strong",
        "em",
        "link",
        "code",
        "strike",
        "underline",
        "textColor",
        "subsup",
        "backgroundColor",
        "border",
        "annotation",
        "alignment",
        "indentation",
        "breakout",
        "dataConsumer",
        "fragment",
    }
)

NOT_ADF = "Operation value must be an Atlassian Document (see the Atlassian Document Format)"
NOT_STRING = "Operation value must be a string"


def adf_problem(value: Any) -> str | None:
    """None when ``value`` is a valid ADF document, else a short description of the first problem."""
    if not isinstance(value, dict) or value.get("type") != "doc":
        return NOT_ADF
    if value.get("version") != 1:
        return NOT_ADF
    content = value.get("content")
    if not isinstance(content, list):
        return NOT_ADF
    for node in content:
        problem = _node_problem(node, top=True)
        if problem:
            return f"Invalid ADF: {problem}"
    return None


MEDIA_PARENTS = frozenset({"mediaSingle", "mediaGroup"})


def _media_problem(node: dict[str, Any], parent: str | None) -> str | None:
    """ADF's rules for ``media`` (atlaskit's full schema): inside ``mediaSingle``/``mediaGroup``; ``file``/``link``
    media name an ``id`` and a ``collection``, ``external`` media a ``url``."""
    if parent not in MEDIA_PARENTS:
        return "a media node must be inside mediaSingle or mediaGroup"
    attrs = node.get("attrs")
    if not isinstance(attrs, dict):
        return "a media node needs attrs"
    kind = attrs.get("type")
    if kind in ("file", "link"):
        if (
            not isinstance(attrs.get("id"), str)
            or not attrs["id"]
            or not isinstance(attrs.get("collection"), str)
        ):
            return "a file media node needs attrs.id and attrs.collection"
    elif kind == "external":
        if not isinstance(attrs.get("url"), str) or not attrs["url"]:
            return "an external media node needs attrs.url"
    else:
        return "attrs.type of a media node must be file, link or external"
    return None


def _node_problem(node: Any, top: bool = False, parent: str | None = None) -> str | None:  # noqa: PLR0911, PLR0912
    if not isinstance(node, dict):
        return "a node must be an object"
    kind = node.get("type")
    if not isinstance(kind, str) or kind not in BLOCK_NODES | INLINE_NODES:
        return f"unknown node type {kind!r}"
    if top and kind in INLINE_NODES:
        return f"node type {kind!r} cannot be at the top level of a document"
    if kind == "media":
        problem = _media_problem(node, parent)
        if problem:
            return problem
    if kind in MEDIA_PARENTS:
        children = node.get("content")
        if not isinstance(children, list) or not any(
            isinstance(c, dict) and c.get("type") == "media" for c in children
        ):
            return f"a {kind} node needs media content"
    if kind == "text":
        text = node.get("text")
        if not isinstance(text, str) or text == "":
            return "a text node needs a non-empty 'text'"
        marks = node.get("marks", [])
        if not isinstance(marks, list):
            return "'marks' must be an array"
        for mark in marks:
            if not isinstance(mark, dict) or mark.get("type") not in MARKS:
                return f"unknown mark {mark!r}"
            if mark.get("type") == "link" and not isinstance((mark.get("attrs") or {}).get("href"), str):
                return "a link mark needs attrs.href"
    if kind == "heading":
        level = (node.get("attrs") or {}).get("level")
        if level not in (1, 2, 3, 4, 5, 6):
            return "a heading needs attrs.level 1..6"
    content = node.get("content")
    if content is not None:
        if not isinstance(content, list):
            return "'content' must be an array"
        for child in content:
            problem = _node_problem(child, parent=kind)
            if problem:
                return problem
    return None


def _inline_text(nodes: list[Any], wiki: bool) -> str:  # noqa: PLR0912
    out: list[str] = []
    for node in nodes:
        if not isinstance(node, dict):
            continue
        kind = node.get("type")
        if kind == "text":
            text = str(node.get("text", ""))
            if wiki:
                for mark in node.get("marks", []) or []:
                    mtype = mark.get("type") if isinstance(mark, dict) else None
                    if mtype == "strong":
                        text = f"*{text}*"
                    elif mtype == "em":
                        text = f"_{text}_"
                    elif mtype == "code":
                        text = "{{" + text + "}}"
                    elif mtype == "link":
                        text = f"[{text}|{(mark.get('attrs') or {}).get('href', '')}]"
            out.append(text)
        elif kind == "hardBreak":
            out.append("\n")
        elif kind == "mention":
            out.append(str((node.get("attrs") or {}).get("text", "")))
        elif kind == "inlineCard":
            out.append(str((node.get("attrs") or {}).get("url", "")))
        elif isinstance(node.get("content"), list):
            out.append(_inline_text(node["content"], wiki))
    return "".join(out)


def _blocks(nodes: list[Any], wiki: bool, bullet: str = "") -> list[str]:
    out: list[str] = []
    for node in nodes:
        if not isinstance(node, dict):
            continue
        kind = node.get("type")
        raw_content = node.get("content")
        content: list[Any] = raw_content if isinstance(raw_content, list) else []
        if kind == "paragraph":
            out.append(_inline_text(content, wiki))
        elif kind == "heading":
            level = (node.get("attrs") or {}).get("level", 1)
            text = _inline_text(content, wiki)
            out.append(f"h{level}. {text}" if wiki else text)
        elif kind in ("bulletList", "orderedList"):
            marker = (bullet or "") + ("*" if kind == "bulletList" else "#")
            items = []
            for item in content:
                inner = item.get("content", []) if isinstance(item, dict) else []
                lines = _blocks(inner, wiki, marker)
                first, rest = (lines[0], lines[1:]) if lines else ("", [])
                items.append(f"{marker} {first}" if wiki else f"- {first}")
                items.extend(rest)
            out.append("\n".join(items))
        elif kind == "codeBlock":
            text = _inline_text(content, False)
            out.append("{code}\n" + text + "\n{code}" if wiki else text)
        elif kind == "rule":
            out.append("----")
        elif kind in MEDIA_PARENTS:
            embeds = [_media_wiki(m) for m in content if isinstance(m, dict) and m.get("type") == "media"]
            out.append(" ".join(e for e in embeds if e) if wiki else "")
        else:
            out.extend(_blocks(content, wiki, bullet))
    return out


def _media_wiki(node: dict[str, Any]) -> str:
    """Wiki markup embeds an image by file name (``!name!``) or URL."""
    attrs = node.get("attrs") or {}
    name = attrs.get("alt") or attrs.get("url") or attrs.get("id") or ""
    return f"!{name}!" if name else ""


WIKI_EMBED = re.compile(r"!([^!\s|][^!|\n]*?)(?:\|[^!\n]*)?!")


def media_references(value: Any) -> list[dict[str, str]]:
    """The images a rich-text value embeds: ADF ``media`` nodes (``{"type", "id"|"url", "alt"?}``) or wiki
    ``!name!`` / ``!name|thumbnail!`` embeds (``{"type": "wiki", "name"}``), in document order."""
    if isinstance(value, str):
        return [{"type": "wiki", "name": m.group(1)} for m in WIKI_EMBED.finditer(value)]
    found: list[dict[str, str]] = []

    def walk(node: Any) -> None:
        if not isinstance(node, dict):
            return
        if node.get("type") == "media":
            attrs = node.get("attrs") or {}
            ref = {"type": str(attrs.get("type"))}
            for key in ("id", "url", "alt", "collection"):
                if isinstance(attrs.get(key), str):
                    ref[key] = attrs[key]
            found.append(ref)
        for child in node.get("content") or []:
            walk(child)

    walk(value)
    return found


def to_html(value: Any) -> str:
    """A plain HTML rendering (``renderedBody``/``renderedFields``): paragraphs of escaped text."""
    text = plain(value)
    return "".join(f"<p>{html.escape(p).replace(chr(10), '<br/>')}</p>" for p in text.split("\n\n") if p)


def adf_to_wiki(doc: Any) -> str:
    if not isinstance(doc, dict):
        return ""
    return "\n\n".join(_blocks(doc.get("content") or [], wiki=True))


def adf_to_text(doc: Any) -> str:
    if not isinstance(doc, dict):
        return ""
    return "\n\n".join(_blocks(doc.get("content") or [], wiki=False))


def text_to_adf(text: str) -> dict[str, Any]:
    paragraphs = [p for p in text.replace("\r\n", "\n").split("\n\n")]
    content: list[dict[str, Any]] = []
    for para in paragraphs:
        inline: list[dict[str, Any]] = []
        for i, line in enumerate(para.split("\n")):
            if i:
                inline.append({"type": "hardBreak"})
            if line:
                inline.append({"type": "text", "text": line})
        node: dict[str, Any] = {"type": "paragraph"}
        if inline:
            node["content"] = inline
        content.append(node)
    return {"type": "doc", "version": 1, "content": content}


def as_v3(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, str):
        return text_to_adf(value)
    return value


def as_v2(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, dict):
        return adf_to_wiki(value)
    return value


def plain(value: Any) -> str:
    """A plain-text rendering, used for changelog strings and JQL text matching."""
    if value is None:
        return ""
    if isinstance(value, dict):
        return adf_to_text(value)
    return str(value)
