"""Atlassian Document Format (Jira Cloud, REST v3): the package's conversions to and from it.

A description must never block a send: `html_to_adf` falls back to the description's plain text when the
writer fails on input nobody foresaw, and logs it. `adf_to_text` reads any value without raising.
"""

from __future__ import annotations

import logging

from .adf_reader import adf_to_text
from .adf_writer import AdfNode, document_to_adf
from .hosting import ImageHost, no_hosting
from .html_reader import build_document
from .html_tree import tagless_text

__all__ = ["adf_to_text", "html_to_adf"]

logger = logging.getLogger(__name__)


def html_to_adf(html: str, images: ImageHost = no_hosting) -> AdfNode:
    """Convert an HTML fragment to an ADF document. Never raises; "" gives an empty document. `images`
    says which images are attachments of the issue (shown from there)."""
    try:
        return document_to_adf(build_document(html), images)
    except Exception:
        logger.exception("HTML to ADF conversion failed; sending the description as plain text")
        return _plain_text_doc(html)


def _plain_text_doc(html: str) -> AdfNode:
    text = tagless_text(html)
    content = [{"type": "paragraph", "content": [{"type": "text", "text": text}]}] if text else []
    return {"type": "doc", "version": 1, "content": content}
