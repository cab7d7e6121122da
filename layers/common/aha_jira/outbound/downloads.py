"""Downloads of files a roadmap record points at (attachments' `download_url`), streamed and guarded.

The URL comes with a send's body, so it is treated like any address a user gives: every hop passes the SSRF
guard (`site_guard`: https and public addresses only; http on loopback locally), no credential is ever sent,
connect and read timeouts apply, and the file is read in chunks as its consumer asks (an upload to Jira), so
a 100 MB file never sits in memory. Redirects are followed (at most `MAX_REDIRECTS`, each target checked
like the first): roadmaps serve attachment downloads through a redirect to their storage host, and sending
nothing but a GET with no credential to a guarded public host is what the first request did. A file over
`max_bytes` (announced, or found while reading) stops the download.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

from aha_jira.outbound import site_guard

if TYPE_CHECKING:
    import requests

__all__ = ["CHUNK_BYTES", "Download", "DownloadFailed", "DownloadTooLarge", "open_download"]

CHUNK_BYTES = 64 * 1024
MAX_REDIRECTS = 3
DEFAULT_TIMEOUT = (3.05, 30.0)  # connect, read (between chunks)
# A host no resolver knows stays unknown for a while: a send with many attachments there asks once.
_UNRESOLVED_SECONDS = 60.0
_unresolved: dict[str, float] = {}
_REDIRECTS = frozenset({301, 302, 303, 307, 308})


class DownloadFailed(Exception):
    """The file could not be read (refused address, unreachable host, an error answer, a broken stream)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class DownloadTooLarge(DownloadFailed):
    """The file is larger than the consumer takes (`max_bytes`)."""

    def __init__(self, message: str, *, size: int | None) -> None:
        super().__init__(message)
        self.size = size


@dataclass
class Download:
    """An open download: its announced size and type, and its chunks (read once)."""

    size: int | None
    content_type: str | None
    _response: Any
    _max_bytes: int
    url: str
    read: int = field(default=0)

    def chunks(self) -> Iterator[bytes]:
        from requests import exceptions as rex  # noqa: PLC0415 - imported with the download

        try:
            for chunk in self._response.iter_content(CHUNK_BYTES):
                self.read += len(chunk)
                if self.read > self._max_bytes:
                    raise DownloadTooLarge(
                        f"{_shown(self.url)} is larger than {self._max_bytes} bytes.", size=None
                    )
                yield chunk
        except rex.RequestException:
            raise DownloadFailed(f"The download of {_shown(self.url)} broke off.") from None
        finally:
            self.close()

    def close(self) -> None:
        self._response.close()


def open_download(
    url: str,
    *,
    allow_loopback: bool,
    max_bytes: int,
    timeout: tuple[float, float] = DEFAULT_TIMEOUT,
    session: requests.Session | None = None,
) -> Download:
    """Start downloading `url`; DownloadFailed (or DownloadTooLarge) when it cannot be read."""
    import requests  # noqa: PLC0415 - only sends with attachments download
    from requests import exceptions as rex  # noqa: PLC0415

    http = session or requests.Session()
    current = url
    for _ in range(MAX_REDIRECTS + 1):
        _check(current, allow_loopback=allow_loopback)
        try:
            response = http.get(
                current,
                stream=True,
                timeout=timeout,
                allow_redirects=False,
                headers={"Accept": "*/*", "User-Agent": "aha-jira"},
            )
        except rex.RequestException:
            raise DownloadFailed(f"{_shown(current)} could not be reached.") from None
        if response.status_code in _REDIRECTS and response.headers.get("Location"):
            response.close()
            current = urljoin(current, response.headers["Location"])
            continue
        if not 200 <= response.status_code < 300:
            response.close()
            raise DownloadFailed(f"{_shown(current)} answered {response.status_code}.")
        size = _length(response.headers.get("Content-Length"))
        if size is not None and size > max_bytes:
            response.close()
            raise DownloadTooLarge(f"{_shown(current)} is {size} bytes, over {max_bytes}.", size=size)
        content_type = response.headers.get("Content-Type")
        return Download(size, content_type, response, max_bytes, current)
    raise DownloadFailed(f"{_shown(url)} redirected more than {MAX_REDIRECTS} times.")


def _check(url: str, *, allow_loopback: bool) -> None:
    host = (urlsplit(url).hostname or "").lower()
    now = time.monotonic()
    if _unresolved.get(host, 0.0) > now:
        raise DownloadFailed(f"The name {host} could not be resolved.")
    try:
        site_guard.check_site(url, allow_loopback=allow_loopback)
    except site_guard.SiteUnresolvable as error:
        _unresolved[host] = now + _UNRESOLVED_SECONDS
        raise DownloadFailed(error.message) from None
    except site_guard.SiteRefused as error:
        if error.reason == "not_https":
            raise DownloadFailed(f"{_shown(url)} does not use https.") from None
        raise DownloadFailed(error.message) from None  # names the host and its address, not the URL
    except site_guard.SiteGuardError:
        raise DownloadFailed(f"{_shown(url)} is not an address that can be called.") from None


def _length(value: str | None) -> int | None:
    if value is None or not value.strip().isdigit():
        return None
    return int(value.strip())


def _shown(url: str) -> str:
    """Where the file was asked for, for messages and logs: the host only (download URLs carry their
    access token in the path or the query)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname or ''}"
