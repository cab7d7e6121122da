"""Which URLs rich text may link to or show an image from.

Only absolute http(s) and mailto links survive (no `javascript:`, `data:`, relative paths): a URL from
a roadmap description ends up clickable in Jira, where a relative one means nothing and a script one is
an attack.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

__all__ = ["IMAGE_SCHEMES", "LINK_SCHEMES", "safe_href"]

LINK_SCHEMES = frozenset({"http", "https", "mailto"})
IMAGE_SCHEMES = frozenset({"http", "https"})


def safe_href(raw: str, schemes: frozenset[str] = LINK_SCHEMES) -> str | None:
    """The URL when it is absolute with an allowed scheme, else None (javascript:, relative, data:...)."""
    # As browsers do: trim, drop tabs and newlines, and keep inner spaces (encoded).
    url = re.sub("[\t\n\r]", "", raw.strip(" \t\n\r\f\u00a0")).replace(" ", "%20")
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in schemes:
        return None
    if parts.scheme.lower() != "mailto" and not parts.netloc:
        return None
    if parts.scheme.lower() == "mailto" and len(url) <= len("mailto:"):
        return None
    return url
