"""A local file server for attachment downloads: files by path, generated on the fly in chunks (a large one
never held here either), redirects and failures on demand, and a log of what was asked."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CHUNK = 64 * 1024


@dataclass
class ServedFile:
    size: int
    content_type: str = "application/octet-stream"
    byte: bytes = b"x"  # the file is this byte repeated (a PNG header first for images)
    announce_length: bool = True

    def chunks(self) -> Iterator[bytes]:
        head = b"\x89PNG\r\n\x1a\n" if self.content_type == "image/png" else b""
        sent = 0
        if head and self.size >= len(head):
            yield head
            sent = len(head)
        while sent < self.size:
            piece = min(CHUNK, self.size - sent)
            yield self.byte * piece
            sent += piece


@dataclass
class FileServer:
    files: dict[str, ServedFile] = field(default_factory=dict)
    redirects: dict[str, str] = field(default_factory=dict)
    failures: dict[str, int] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)
    url: str = ""
    _server: ThreadingHTTPServer | None = None

    def add(self, path: str, size: int, content_type: str = "image/png", **options: object) -> str:
        self.files[path] = ServedFile(size, content_type, **options)  # type: ignore[arg-type]
        return f"{self.url}{path}"

    def start(self) -> FileServer:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_: object) -> None:
                return

            def do_GET(self) -> None:
                path = self.path.split("?", 1)[0]
                owner.requests.append(path)
                if path in owner.failures:
                    self.send_error(owner.failures[path])
                    return
                if path in owner.redirects:
                    self.send_response(302)
                    self.send_header("Location", owner.redirects[path])
                    self.end_headers()
                    return
                served = owner.files.get(path)
                if served is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", served.content_type)
                if served.announce_length:
                    self.send_header("Content-Length", str(served.size))
                else:
                    self.send_header("Connection", "close")
                self.end_headers()
                try:
                    for chunk in served.chunks():
                        self.wfile.write(chunk)
                except (BrokenPipeError, ConnectionResetError):
                    return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
