"""Rich text for Jira: roadmap HTML into ADF (Cloud, REST v3) or wiki markup (Data Center, REST v2), and
Jira's descriptions back into plain text or roadmap HTML. No converter raises on any input string.

Callers use only this package's names. Inside, HTML is read once into a format-neutral document and each
format writes it within what it can express (docs/rich-text.md lists what each loses, and why):
- the document: `document.py` (the tree), `html_tree.py` (HTML parsed into elements), `html_reader.py`
  with `html_vocabulary.py` and `colors.py` (elements into the document), `inline_runs.py` (a paragraph's
  whitespace and marks), `links.py` (which URLs may be linked), `table_layout.py` (spans on a grid),
  `flattening.py` (blocks into lines, for containers that hold only inline content), `hosting.py` (images
  that are attachments of the issue);
- per format, a writer and readers: `adf_writer.py`, `adf_reader.py` (text), `adf_html.py` (HTML);
  `wiki_writer.py` with `wiki_escaping.py`, `wiki_reader.py` (text), `wiki_html.py` with `wiki_inline.py`
  (HTML); behind `adf.py` / `wiki.py`, the entry points with their fallbacks. `html_writer.py` writes the
  document as roadmap HTML for both HTML readers.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import Any

from .adf import adf_to_text, html_to_adf
from .hosting import HostedImage, ImageHost, no_hosting
from .html_tree import tagless_text
from .wiki import html_to_wiki, wiki_to_text

__all__ = [
    "HostedImage",
    "ImageHost",
    "RichTextFormat",
    "adf_to_html",
    "adf_to_text",
    "first_line",
    "html_to_adf",
    "html_to_wiki",
    "no_hosting",
    "render",
    "wiki_to_html",
    "wiki_to_text",
]


class RichTextFormat(StrEnum):
    """The rich-text format a Jira deployment takes: ADF for Cloud (v3), wiki markup for Data Center (v2)."""

    ADF = "adf"
    WIKI = "wiki"


def render(html: str, fmt: RichTextFormat, images: ImageHost = no_hosting) -> dict[str, Any] | str:
    """Convert roadmap HTML to the given Jira format; `images` says which images are attachments of the
    issue (shown from there)."""
    if RichTextFormat(fmt) is RichTextFormat.ADF:
        return html_to_adf(html, images)
    return html_to_wiki(html, images)


def first_line(html: str) -> str:
    """The plain text of a description's first line (e.g. a summary for a record without a name); "" when
    it has no text. Never raises."""
    from .flattening import first_text_line  # noqa: PLC0415 - only records without a name need it
    from .html_reader import build_document  # noqa: PLC0415

    try:
        return first_text_line(build_document(html or "").blocks)
    except Exception:
        return tagless_text(html)


def adf_to_html(
    adf: dict[str, Any] | None, media_url: Callable[[dict[str, Any]], str | None] | None = None
) -> str:
    """Roadmap HTML of an ADF document; `media_url` says where a `file` media node (an id, no URL) can be
    shown from. The reader loads with its first use."""
    from .adf_html import adf_to_html as convert  # noqa: PLC0415

    return convert(adf, media_url) if media_url is not None else convert(adf)


def wiki_to_html(wiki: str | None, attachment_url: Callable[[str], str | None] | None = None) -> str:
    """Roadmap HTML of wiki markup; `attachment_url` says where an attachment (`!name!`) can be shown
    from. The reader loads with its first use."""
    from .wiki_html import wiki_to_html as convert  # noqa: PLC0415

    return convert(wiki, attachment_url) if attachment_url is not None else convert(wiki)
