"""Attachment uploads, streamed: a ``multipart/form-data`` body is read in blocks straight from the socket
(``Content-Length`` or ``Transfer-Encoding: chunked``) and each file part is written to a file on disk, so a
100 MB upload never sits in memory. A part larger than the site's upload limit (``GET attachment/meta``
``uploadLimit``) stops being stored; the rest of the body is read and thrown away, so the client can read the
413 answer rather than seeing its connection reset.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import Message
from email.utils import collapse_rfc2231_value
from pathlib import Path
from typing import BinaryIO, Protocol

BLOCK = 64 * 1024
DEFAULT_UPLOAD_LIMIT = 1024 * 1024 * 1024  # 1 GiB; Jira Cloud admins set it (Settings > System > Attachments)
HEADER_LIMIT = 16 * 1024


@dataclass
class UploadedPart:
    name: str | None  # the form field name (Jira takes the parts named "file")
    filename: str | None
    content_type: str
    size: int = 0
    sha256: str = ""
    path: str | None = None  # where the content is, while it is kept


@dataclass
class Upload:
    """A streamed multipart body: its parts, and whether it broke a rule while it was read."""

    parts: list[UploadedPart] = field(default_factory=list)
    total_bytes: int = 0
    too_large: UploadedPart | None = None  # the first part over the limit (nothing is kept then)
    malformed: str | None = None

    def discard(self, store: UploadStore) -> None:
        for part in self.parts:
            store.discard(part.path)
            part.path = None


class UploadStore:
    """A private directory holding attachment contents until reset or stop."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._dir: Path | None = None
        self.limit = DEFAULT_UPLOAD_LIMIT

    @property
    def directory(self) -> Path:
        with self._lock:
            if self._dir is None or not self._dir.exists():
                self._dir = Path(tempfile.mkdtemp(prefix="jira-sim-attachments-"))
            return self._dir

    def new_file(self) -> tuple[BinaryIO, str]:
        handle, name = tempfile.mkstemp(dir=self.directory, prefix="part-")
        return os.fdopen(handle, "wb"), name

    def discard(self, path: str | None) -> None:
        if path:
            with contextlib.suppress(OSError):
                os.unlink(path)

    def clear(self) -> None:
        with self._lock:
            directory, self._dir = self._dir, None
            self.limit = DEFAULT_UPLOAD_LIMIT
        if directory is not None:
            shutil.rmtree(directory, ignore_errors=True)


class Readable(Protocol):
    def read(self, size: int = ..., /) -> bytes: ...
    def readline(self, size: int = ..., /) -> bytes: ...


def body_reader(rfile: Readable, headers: Message) -> Callable[[int], bytes]:
    """A ``read(n)`` over the request body, decoding chunked transfer encoding; ``b""`` at the end."""
    if (headers.get("Transfer-Encoding") or "").lower() == "chunked":
        state = {"left": 0, "done": False}

        def read_chunked(n: int) -> bytes:
            if state["done"]:
                return b""
            if state["left"] == 0:
                line = rfile.readline(65537)
                size = int(line.split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass
                    state["done"] = True
                    return b""
                state["left"] = size
            data = rfile.read(min(n, state["left"]))
            state["left"] -= len(data)
            if state["left"] == 0:
                rfile.readline(65537)  # the CRLF after each chunk
            if not data:
                state["done"] = True
            return data

        return read_chunked
    remaining = {"n": int(headers.get("Content-Length") or 0)}

    def read_length(n: int) -> bytes:
        if remaining["n"] <= 0:
            return b""
        data = rfile.read(min(n, remaining["n"]))
        remaining["n"] -= len(data)
        if not data:
            remaining["n"] = 0
        return data

    return read_length


def _boundary(content_type: str) -> bytes | None:
    message = Message()
    message["Content-Type"] = content_type
    value = message.get_param("boundary")
    return value.encode("latin-1") if isinstance(value, str) and value else None


def _part_headers(raw: bytes) -> UploadedPart:
    message = Message()
    for line in raw.decode("utf-8", "replace").split("\r\n"):
        header, sep, value = line.partition(":")
        if sep:
            message[header.strip()] = value.strip()
    name = message.get_param("name", header="content-disposition")
    filename = message.get_param("filename", header="content-disposition")
    return UploadedPart(
        name=collapse_rfc2231_value(name) if name is not None else None,
        filename=collapse_rfc2231_value(filename) if filename is not None else None,
        content_type=(message.get("Content-Type") or "application/octet-stream").split(";", 1)[0].strip(),
    )


class _PartWriter:
    """Receives one part's content: files of the ``file`` field go to disk, within the limit."""

    def __init__(self, part: UploadedPart, store: UploadStore, limit: int) -> None:
        self.part = part
        self.limit = limit
        self.digest = hashlib.sha256()
        self.handle: BinaryIO | None = None
        if part.filename is not None:
            self.handle, part.path = store.new_file()

    def write(self, data: bytes) -> bool:
        """False once the part is over the limit (nothing more is written)."""
        self.part.size += len(data)
        if self.part.filename is not None and self.part.size > self.limit:
            self.close()
            return False
        self.digest.update(data)
        if self.handle is not None:
            self.handle.write(data)
        return True

    def close(self) -> None:
        if self.handle is not None:
            self.handle.close()
            self.handle = None
        self.part.sha256 = self.digest.hexdigest()


def receive(read: Callable[[int], bytes], content_type: str, store: UploadStore) -> Upload:  # noqa: PLR0912, PLR0915
    """Read a whole multipart body from ``read``, keeping file parts on disk (see the module doc)."""
    upload = Upload()
    boundary = _boundary(content_type)
    if boundary is None:
        upload.malformed = "the multipart body has no boundary"
        _drain(read, upload)
        return upload
    delimiter = b"\r\n--" + boundary
    buffer = b"\r\n"  # lets the first delimiter match like the later ones
    state = "preamble"
    writer: _PartWriter | None = None
    while True:
        block = read(BLOCK)
        upload.total_bytes += len(block)
        buffer += block
        while True:
            if state == "preamble":
                at = buffer.find(delimiter)
                if at < 0:
                    buffer = buffer[-len(delimiter) :]
                    break
                buffer = buffer[at + len(delimiter) :]
                state = "after-delimiter"
            if state == "after-delimiter":
                if len(buffer) < 2:
                    break
                if buffer.startswith(b"--"):
                    state = "epilogue"
                    buffer = b""
                    break
                end = buffer.find(b"\r\n\r\n")
                if end < 0:
                    if len(buffer) > HEADER_LIMIT:
                        upload.malformed = "a part's headers are too long"
                        state = "epilogue"
                    break
                part = _part_headers(buffer[:end].lstrip(b"\r\n"))
                upload.parts.append(part)
                writer = _PartWriter(part, store, store.limit)
                buffer = buffer[end + 4 :]
                state = "content"
            if state == "content":
                assert writer is not None
                at = buffer.find(delimiter)
                if at < 0:
                    keep = len(delimiter)
                    if len(buffer) > keep and not _feed(writer, buffer[:-keep], upload):
                        state = "epilogue"
                    buffer = buffer[-keep:] if len(buffer) > keep else buffer
                    break
                if not _feed(writer, buffer[:at], upload):
                    state = "epilogue"
                    break
                writer.close()
                writer = None
                buffer = buffer[at + len(delimiter) :]
                state = "after-delimiter"
                continue
            break
        if state == "epilogue":
            buffer = b""
        if not block:
            break
    if writer is not None:
        writer.close()
        if upload.too_large is None and upload.malformed is None:
            upload.malformed = "the multipart body ends inside a part"
    if upload.too_large is not None or upload.malformed is not None:
        upload.discard(store)
    return upload


def _feed(writer: _PartWriter, data: bytes, upload: Upload) -> bool:
    if not data:
        return True
    if writer.write(data):
        return True
    upload.too_large = writer.part
    return False


def _drain(read: Callable[[int], bytes], upload: Upload) -> None:
    while block := read(BLOCK):
        upload.total_bytes += len(block)
