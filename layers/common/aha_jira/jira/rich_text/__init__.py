"""Rich text for Jira: roadmap HTML into ADF (Cloud, REST v3) or wiki markup (Data Center, REST v2),
and Jira's descriptions back into plain text.

HTML is parsed once into a format-neutral document (`document.py`); each format renders it within
what it can express. No converter raises on any input string.
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
