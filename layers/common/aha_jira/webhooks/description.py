"""Jira's description back into roadmap HTML.

Webhooks carry the v2 representation (wiki markup); ADF is accepted too. The rich-text readers give plain
text with blocks separated by blank lines; each block becomes a paragraph and each line break a `<br>`.
Formatting Jira expressed (bold, tables...) is not recreated: the text is kept exactly, escaped, so the
stored HTML can never carry markup an engineer typed.
"""

from __future__ import annotations

import html
import re
from typing import Any

_BLOCKS = re.compile(r"\n\s*\n")


def jira_description_to_html(value: str | dict[str, Any] | None) -> str:
    # The rich-text readers load with the first description edit, not with the webhook function: most
    # deliveries are status changes and worklogs.
    from aha_jira.jira.rich_text import adf_to_text, wiki_to_text  # noqa: PLC0415

    text = adf_to_text(value) if isinstance(value, dict) else wiki_to_text(value)
    blocks = [block.strip("\n") for block in _BLOCKS.split(text.strip())]
    return "".join(
        "<p>" + "<br>".join(html.escape(line) for line in block.split("\n")) + "</p>"
        for block in blocks
        if block.strip()
    )
