"""What HTML elements and attributes mean for a rich-text document: which elements are dropped, which
only separate paragraphs, which mark text, head a section or start a list; and how the attributes the
reader uses (numbers such as `colspan`, a code block's language) are read from whatever was written.
"""

from __future__ import annotations

import re

from .colors import css_color, style_color
from .document import STRONG, Mark, MarkKind
from .html_tree import Element, Text

__all__ = [
    "BLOCK_FLOW",
    "DROPPED",
    "HEADINGS",
    "LISTS",
    "MARK_TAGS",
    "code_language",
    "element_color",
    "int_attr",
    "is_task_list",
    "task_checked",
]

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
    "sub": Mark(MarkKind.SUB),
    "sup": Mark(MarkKind.SUP),
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


def element_color(element: Element) -> str | None:
    """The text colour an element sets (`style` color, or `<font color>`), as `#rrggbb`."""
    color = style_color(element.attrs.get("style", ""))
    if color is None and element.tag == "font":
        color = css_color(element.attrs.get("color", ""))
    return color


# Checklists as editors write them (Aha!'s editor output is not published; docs/rich-text.md "Checklists"):
# Tiptap/ProseMirror `<ul data-type="taskList"><li data-type="taskItem" data-checked="true">`, TinyMCE and
# others' `<ul class="checklist"><li class="checked">`, GitHub's `<li class="task-list-item"><input
# type="checkbox" checked>`, and any list whose items start with a checkbox.
_TASK_LIST_CLASSES = frozenset({"checklist", "task-list", "contains-task-list", "todo-list", "tasklist"})
_TASK_LIST_TYPES = frozenset({"tasklist", "todo_list", "checklist"})
_TASK_ITEM_TYPES = frozenset({"taskitem", "todo_item", "checklistitem"})
_CHECKED_CLASSES = frozenset({"checked", "done", "is-checked", "completed"})
_TRUE = frozenset({"true", "checked", "1", "done"})
_WRAPPERS = frozenset({"label", "p", "div", "span"})


def is_task_list(element: Element) -> bool:
    """Whether a `ul`/`ol` is a checklist: marked as one, or one of its items carries a checked state."""
    if element.attrs.get("data-type", "").lower() in _TASK_LIST_TYPES:
        return True
    if _TASK_LIST_CLASSES & set(element.attrs.get("class", "").lower().split()):
        return True
    items = [child for child in element.children if isinstance(child, Element) and child.tag == "li"]
    return any(_item_marker(item) is not None for item in items)


def task_checked(item: Element) -> bool:
    """The checked state of a checklist item (unmarked items are not done)."""
    return bool(_item_marker(item))


def _item_marker(item: Element) -> bool | None:
    """True/False when the item says whether it is done, None when it says nothing."""
    attrs = item.attrs
    for name in ("data-checked", "aria-checked", "data-state"):
        if name in attrs:
            return attrs[name].strip().lower() in _TRUE
    if attrs.get("data-type", "").lower() in _TASK_ITEM_TYPES:
        box = _leading_checkbox(item)
        return box is not None and "checked" in box.attrs
    classes = set(attrs.get("class", "").lower().split())
    if classes & _CHECKED_CLASSES:
        return True
    box = _leading_checkbox(item)
    if box is not None:
        return "checked" in box.attrs
    if "task-list-item" in classes or "unchecked" in classes:
        return False
    return None


def _leading_checkbox(element: Element, depth: int = 0) -> Element | None:
    """A checkbox `<input>` before any text of the item (inside labels or paragraphs that start it)."""
    for child in element.children:
        if isinstance(child, Text):
            if child.data.strip():
                return None
            continue
        if child.tag == "input":
            return child if child.attrs.get("type", "").lower() == "checkbox" else None
        if child.tag in _WRAPPERS and depth < 3:
            return _leading_checkbox(child, depth + 1)
        return None
    return None
