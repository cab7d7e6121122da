"""Rich text for Jira: roadmap HTML into ADF (Cloud, REST v3) or wiki markup (Data Center, REST v2),
and Jira's descriptions back into plain text. No converter raises on any input string.

Callers use only this package's names. Inside, HTML is read once into a format-neutral document and each
format writes it within what it can express:
- the document: `document.py` (the tree), `html_tree.py` (HTML parsed into elements), `html_reader.py`
  with `html_vocabulary.py` (elements into the document), `inline_runs.py` (a paragraph's whitespace and
  marks), `links.py` (which URLs may be linked), `table_layout.py` (spans on a grid), `flattening.py`
  (blocks into lines, for containers that hold only inline content);
- per format, a writer and a reader (`adf_writer.py`, `adf_reader.py`; `wiki_writer.py` with
  `wiki_escaping.py`, `wiki_reader.py`) behind `adf.py` / `wiki.py`, the entry points with their fallbacks.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from .adf import adf_to_text, html_to_adf
from .wiki import html_to_wiki, wiki_to_text

__all__ = ["RichTextFormat", "adf_to_text", "html_to_adf", "html_to_wiki", "render", "wiki_to_text"]


class RichTextFormat(StrEnum):
    """The rich-text format a Jira deployment takes: ADF for Cloud (v3), wiki markup for Data Center (v2)."""

    ADF = "adf"
    WIKI = "wiki"


def render(html: str, fmt: RichTextFormat) -> dict[str, Any] | str:
    """Convert roadmap HTML to the given Jira format."""
    if RichTextFormat(fmt) is RichTextFormat.ADF:
        return html_to_adf(html)
    return html_to_wiki(html)
