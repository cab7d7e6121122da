"""Images whose file is an attachment of the Jira issue: how a writer shows them from there.

The send uploads a record's attachments to its issue; an `<img>` in the description showing one of them is
then written as that attachment (ADF: external media at the attachment's content URL, since Jira's REST
answers carry no Media Services id; wiki: `!file name!`) rather than as the roadmap's own download URL.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["HostedImage", "ImageHost", "no_hosting"]


@dataclass(frozen=True)
class HostedImage:
    file_name: str  # the attachment's name on the issue: wiki markup embeds it by name
    url: str  # where Jira serves its content: ADF media shows it from there


# An image's `src` → the attachment showing it on the issue, or None (shown from its own URL).
type ImageHost = Callable[[str], HostedImage | None]


def no_hosting(_src: str) -> HostedImage | None:
    return None
