"""A `multipart/form-data` body streamed from an iterator of chunks: an attachment goes from its download
to Jira without being held in memory. With the file's size known, the body's length is too, and requests
sends it with `Content-Length`; without, chunked."""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Iterator

__all__ = ["MultipartFile"]


def _quoted(value: str) -> str:
    # RFC 7578: the file name is a quoted string; quotes and line breaks cannot be in it.
    return value.replace("\\", "\\\\").replace('"', "%22").replace("\r", " ").replace("\n", " ")


class MultipartFile:
    """One file part named `field`, read from `chunks` once. `size` (bytes, when known) makes the body's
    length known: the sender checks the stream held exactly that many."""

    def __init__(
        self,
        chunks: Iterable[bytes],
        *,
        file_name: str,
        content_type: str,
        size: int | None = None,
        field: str = "file",
    ) -> None:
        self.boundary = "aha-jira-" + secrets.token_hex(16)
        self._chunks = chunks
        self._size = size
        disposition = f'form-data; name="{field}"; filename="{_quoted(file_name)}"'
        self._head = (
            f"--{self.boundary}\r\nContent-Disposition: {disposition}\r\n"
            f"Content-Type: {content_type or 'application/octet-stream'}\r\n\r\n"
        ).encode()
        self._tail = f"\r\n--{self.boundary}--\r\n".encode()
        self.sent = 0  # file bytes read so far

    @property
    def content_type(self) -> str:
        return f"multipart/form-data; boundary={self.boundary}"

    def __len__(self) -> int:
        # requests reads the length to send Content-Length; 0 (unknown) makes it send chunked.
        if self._size is None:
            return 0
        return len(self._head) + self._size + len(self._tail)

    def __iter__(self) -> Iterator[bytes]:
        yield self._head
        for chunk in self._chunks:
            if chunk:
                self.sent += len(chunk)
                if self._size is not None and self.sent > self._size:
                    raise ValueError("the file is larger than its announced size")
                yield chunk
        if self._size is not None and self.sent != self._size:
            raise ValueError("the file is smaller than its announced size")
        yield self._tail
