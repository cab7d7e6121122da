"""The format-neutral rich-text document: marks, inline content and blocks.

The HTML reader (`html_reader.py`) builds it once, settling every HTML question (whitespace, implied
structure, unsafe links, what is dropped) in one place, so the Jira formats cannot disagree about the
content, only about how each can express it. Each writer renders it within what its format can say.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from enum import IntEnum

__all__ = [
    "NO_MARKS",
    "STRONG",
    "Block",
    "Cell",
    "CodeBlock",
    "Document",
    "HardBreak",
    "Heading",
    "Image",
    "Inline",
    "ListBlock",
    "Mark",
    "MarkKind",
    "Marks",
    "Paragraph",
    "Quote",
    "Row",
    "Rule",
    "Span",
    "Table",
    "TaskItem",
    "TaskList",
    "join_inlines",
    "with_mark",
]


class MarkKind(IntEnum):
    """Inline formatting; the value is the canonical order marks are written in."""

    STRONG = 1
    EM = 2
    UNDERLINE = 3
    STRIKE = 4
    CODE = 5
    SUB = 6
    SUP = 7
    COLOR = 8
    LINK = 9


@dataclass(frozen=True, order=True)
class Mark:
    """A mark; a link carries its `href`, a text colour its `color` (`#rrggbb`, lower case)."""

    kind: MarkKind
    href: str = ""
    color: str = ""


type Marks = frozenset[Mark]
NO_MARKS: Marks = frozenset()
STRONG = Mark(MarkKind.STRONG)


@dataclass(frozen=True)
class Span:
    """A run of text with its marks. Never empty once a paragraph is finished."""

    text: str
    marks: Marks = NO_MARKS


@dataclass(frozen=True)
class HardBreak:
    pass


@dataclass(frozen=True)
class Image:
    """An image with an http(s) source (others are turned into their alt text while building). Writers
    show it as an image; one whose file was uploaded to the issue is shown from there (`HostedImage`)."""

    src: str
    alt: str
    marks: Marks = NO_MARKS


type Inline = Span | HardBreak | Image


@dataclass
class Paragraph:
    inlines: list[Inline]


@dataclass
class Heading:
    level: int
    inlines: list[Inline]


@dataclass
class CodeBlock:
    text: str
    language: str | None = None


@dataclass
class ListBlock:
    ordered: bool
    items: list[list[Block]]
    start: int = 1


@dataclass
class Quote:
    blocks: list[Block]


@dataclass
class Rule:
    pass


@dataclass
class TaskItem:
    """One checklist entry: its state and its content (inline content first, then any nested blocks)."""

    checked: bool
    blocks: list[Block]


@dataclass
class TaskList:
    """A checklist: items with a checked state (Aha!'s checkbox lists)."""

    items: list[TaskItem]


@dataclass
class Cell:
    header: bool
    blocks: list[Block]
    colspan: int = 1
    rowspan: int = 1


@dataclass
class Row:
    cells: list[Cell]


@dataclass
class Table:
    rows: list[Row]


type Block = Paragraph | Heading | CodeBlock | ListBlock | TaskList | Quote | Rule | Table


@dataclass
class Document:
    blocks: list[Block]


def with_mark(inlines: Iterable[Inline], mark: Mark) -> list[Inline]:
    """The inlines with `mark` added (hard breaks carry no marks)."""
    return [
        inline if isinstance(inline, HardBreak) else replace(inline, marks=inline.marks | {mark})
        for inline in inlines
    ]


def join_inlines(groups: Sequence[Sequence[Inline]], separator: Sequence[Inline]) -> list[Inline]:
    """Lines of inline content joined into one, with `separator` between them."""
    joined: list[Inline] = []
    for index, group in enumerate(groups):
        if index:
            joined.extend(separator)
        joined.extend(group)
    return joined
