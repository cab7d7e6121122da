"""Jira's description back into roadmap HTML, through the rich-text read-back (`jira.rich_text`).

Webhooks carry the v2 representation (wiki markup, Cloud and Data Center alike); ADF is accepted too (a
document: Cloud's v3 representation). The readers write the plain HTML the roadmap's editor takes (headings,
lists, marks, tables, code, links...) from a format-neutral document: every text is escaped, so the stored
HTML can never carry markup an engineer typed (a `{html}` macro or `<script>` stays text).
"""

from __future__ import annotations

import html
import re
from typing import Any

from aha_jira.errors import InvalidRequest

# DESIGN.md's limit for descriptions, on what the record stores (escaping can make HTML longer than the text).
MAX_DESCRIPTION_HTML = 256 * 1024
_BLOCKS = re.compile(r"\n\s*\n")


def jira_description_to_html(value: str | dict[str, Any] | None) -> str:
    # The rich-text readers load with the first description edit, not with the webhook function: most
    # deliveries are status changes and worklogs.
    from aha_jira.jira.rich_text import adf_to_html, wiki_to_html  # noqa: PLC0415

    converted = adf_to_html(value) if isinstance(value, dict) else wiki_to_html(value)
    if len(converted) > MAX_DESCRIPTION_HTML:
        # Markup makes HTML longer than its text: a long description Jira accepted keeps its words as plain
        # paragraphs rather than being refused.
        converted = _plain_html(value)
    if len(converted) > MAX_DESCRIPTION_HTML:
        # Refused like any value out of bounds: nothing of the delivery is written (a record cannot hold it).
        raise InvalidRequest(
            "The body is not a Jira webhook event (issue.fields.description: longer than 256 KiB as HTML).",
            hint="Jira's own descriptions are far shorter; point only Jira's webhook at this URL.",
            code="not_a_jira_event",
        )
    return converted


def _plain_html(value: str | dict[str, Any] | None) -> str:
    """The description's text, each block a paragraph and each line break a `<br>`, escaped."""
    from aha_jira.jira.rich_text import adf_to_text, wiki_to_text  # noqa: PLC0415

    text = adf_to_text(value) if isinstance(value, dict) else wiki_to_text(value)
    blocks = [block.strip("\n") for block in _BLOCKS.split(text.strip())]
    return "".join(
        "<p>" + "<br>".join(html.escape(line) for line in block.split("\n")) + "</p>"
        for block in blocks
        if block.strip()
    )
