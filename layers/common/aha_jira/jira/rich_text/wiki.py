"""Jira wiki markup (Jira Data Center, REST v2): the package's conversions to and from it.

Neither raises: a description must never block a send or a webhook. When the writer fails on input
nobody foresaw, `html_to_wiki` sends the description's escaped plain text; when the reader fails,
`wiki_to_text` answers the markup as it is. Either failure is logged.
"""

from __future__ import annotations

import logging

from .hosting import ImageHost, no_hosting
from .html_reader import build_document
from .html_tree import tagless_text
from .wiki_escaping import escape_text
from .wiki_reader import WikiReader as _WikiReader
from .wiki_writer import document_to_wiki

__all__ = ["html_to_wiki", "wiki_to_text"]

logger = logging.getLogger(__name__)


def html_to_wiki(html: str, images: ImageHost = no_hosting) -> str:
    """Convert an HTML fragment to Jira wiki markup. Never raises; "" gives "". `images` says which
    images are attachments of the issue (embedded by name)."""
    try:
        return document_to_wiki(build_document(html), images)
    except Exception:
        logger.exception("HTML to wiki conversion failed; sending the description as plain text")
        return escape_text(tagless_text(html), before="", line_start=True)


def wiki_to_text(wiki: str | None) -> str:
    """Plain text of wiki markup (e.g. a description written in Jira Data Center), never raising.

    Same layout as `adf_to_text`: blocks separated by a blank line, `- `/`1. ` list lines indented
    two spaces per level, table rows with cells joined by ` | `, line breaks as newlines."""
    if not wiki:
        return ""
    try:
        return _WikiReader(wiki).read()
    except Exception:
        logger.exception("wiki markup could not be read; returning it unchanged")
        return wiki.strip()
