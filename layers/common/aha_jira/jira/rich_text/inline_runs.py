"""A paragraph's inline content made canonical, as browsers show it.

Whitespace collapses and is trimmed at the paragraph's edges and around line breaks, spaces move out of
marks, and neighbouring runs with the same marks merge, so that every writer gets the same runs for
HTML that looks the same however it was written.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from .document import NO_MARKS, HardBreak, Inline, Marks, Span

__all__ = ["WHITESPACE_RUN", "finish_inlines", "merge_spans"]

# HTML whitespace plus no-break space: Jira renders neither format differently for it, and treating
# it as a space keeps mark edges and paragraph trimming simple.
WHITESPACE_RUN = re.compile("[ \t\n\r\f\u00a0]+")


def finish_inlines(raw: Sequence[Inline]) -> list[Inline]:
    """Collapse whitespace, trim at the paragraph's edges and around breaks, move spaces out of
    marks and merge neighbouring runs with the same marks. Returns [] for a visually empty run."""
    collapsed: list[Inline] = []
    after_space = True  # at the start of a line, leading whitespace is dropped
    for inline in raw:
        if isinstance(inline, Span):
            text = WHITESPACE_RUN.sub(" ", inline.text)
            if after_space:
                text = text.lstrip(" ")
            if text:
                collapsed.append(Span(text, inline.marks))
                after_space = text.endswith(" ")
        elif isinstance(inline, HardBreak):
            _trim_trailing_space(collapsed)
            collapsed.append(inline)
            after_space = True
        else:
            collapsed.append(inline)
            after_space = False
    _trim_trailing_space(collapsed)
    start, end = 0, len(collapsed)
    while start < end and isinstance(collapsed[start], HardBreak):
        start += 1
    while end > start and isinstance(collapsed[end - 1], HardBreak):
        end -= 1
    return merge_spans(_unmark_edge_spaces(collapsed[start:end]))


def _trim_trailing_space(inlines: list[Inline]) -> None:
    while inlines:
        last = inlines[-1]
        if not isinstance(last, Span) or not last.text.endswith(" "):
            return
        text = last.text.rstrip(" ")
        if text:
            inlines[-1] = Span(text, last.marks)
            return
        inlines.pop()


def _unmark_edge_spaces(inlines: list[Inline]) -> list[Inline]:
    """Spaces at either end of a marked run lose that mark: `<b> x </b>` is ` *x* ` in wiki
    (`* x *` is not bold there) and keeps underline/strike from drawing under a space in ADF."""
    atoms: list[Inline] = []
    for inline in inlines:
        if isinstance(inline, Span) and inline.marks and " " in inline.text:
            atoms.extend(Span(piece, inline.marks) for piece in re.split("( +)", inline.text) if piece)
        else:
            atoms.append(inline)

    def is_space(atom: Inline) -> bool:
        return isinstance(atom, Span) and not atom.text.strip(" ")

    def marks_of(atom: Inline) -> Marks:
        return NO_MARKS if isinstance(atom, HardBreak) else atom.marks

    for mark in {m for atom in atoms for m in marks_of(atom)}:
        index = 0
        while index < len(atoms):
            if mark not in marks_of(atoms[index]):
                index += 1
                continue
            end = index
            while end < len(atoms) and mark in marks_of(atoms[end]):
                end += 1
            run = range(index, end)
            for edge in (run, reversed(run)):
                for position in edge:
                    atom = atoms[position]
                    if not isinstance(atom, Span) or not is_space(atom):
                        break
                    atoms[position] = Span(atom.text, atom.marks - {mark})
            index = end
    return atoms


def merge_spans(inlines: Iterable[Inline]) -> list[Inline]:
    merged: list[Inline] = []
    texts: list[str] = []  # pieces of the run being merged, joined once (long runs stay linear)

    def close_run() -> None:
        last = merged[-1] if merged else None
        if len(texts) > 1 and isinstance(last, Span):
            merged[-1] = Span("".join(texts), last.marks)
        texts.clear()

    for inline in inlines:
        previous = merged[-1] if merged else None
        if (
            isinstance(inline, Span)
            and isinstance(previous, Span)
            and previous.marks == inline.marks
            and texts
        ):
            texts.append(inline.text)
            continue
        close_run()
        merged.append(inline)
        if isinstance(inline, Span):
            texts.append(inline.text)
    close_run()
    return merged
