"""The simulators' HTTP plumbing (stdlib ``ThreadingHTTPServer``): the server over one simulator ``core``, the
request handler's common part (body reading, answering, dropping the connection) and the lifecycle of the
public simulator objects (start, stop, context manager, ``serve_forever``, base URL and port)."""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, ClassVar, Protocol, Self

from .routing import Response

MAX_BODY = 20 * 1024 * 1024


class Outcome(Protocol):
    """What the core made of a request: an answer, or a connection to close without one."""

    @property
    def response(self) -> Response | None: ...

    @property
    def drop(self) -> bool: ...


class Worker(Protocol):
    def start(self) -> None: ...

    def stop(self) -> None: ...


class SimCore(Protocol):
    base_url: str

    @property
    def webhooks(self) -> Worker: ...


class SimServer[C](ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    def __init__(self, address: tuple[str, int], core: C, handler: type[BaseHTTPRequestHandler]) -> None:
        self.core = core
        super().__init__(address, handler)


class SimHandler(BaseHTTPRequestHandler):
    """Every method goes to ``_handle``; a subclass turns the request into an ``Outcome`` (``outcome``) and
    says how a body over ``MAX_BODY`` is refused (``too_large``)."""

    protocol_version = "HTTP/1.1"
    sys_version = ""
    log: ClassVar[logging.Logger]
    # Headers every answer carries after Content-Length (before the response's own).
    answer_headers: ClassVar[dict[str, str]] = {}

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in separate writes: without TCP_NODELAY, Nagle's algorithm and the client's
        # delayed ACK add ~40 ms to every answer.
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def do_PUT(self) -> None:
        self._handle()

    def do_DELETE(self) -> None:
        self._handle()

    def do_PATCH(self) -> None:
        self._handle()

    def log_message(self, format: str, *args: Any) -> None:
        self.log.debug("%s - %s", self.address_string(), format % args)

    # to be given by the simulator -----------------------------------------------------------------------
    def outcome(self, body: bytes) -> Outcome:
        raise NotImplementedError

    def too_large(self) -> Response:
        raise NotImplementedError

    # the common part ------------------------------------------------------------------------------------
    def _handle(self) -> None:
        body = self.read_body()
        if body is None:
            self.write(self.too_large())
            self.close_connection = True
            return
        self.answer(self.outcome(body))

    def read_body(self) -> bytes | None:
        """The request body (plain or chunked); None when it is over ``MAX_BODY``."""
        if (self.headers.get("Transfer-Encoding") or "").lower() == "chunked":
            chunks: list[bytes] = []
            total = 0
            while True:
                size = int(self.rfile.readline(65537).split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                total += size
                if total > MAX_BODY:
                    return None
                chunks.append(self.rfile.read(size))
                self.rfile.readline(65537)
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            return None
        return self.rfile.read(length) if length > 0 else b""

    def answer(self, outcome: Outcome) -> None:
        """Write the outcome's response, or close the connection without one (a dropped request)."""
        if outcome.drop or outcome.response is None:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        try:
            self.write(outcome.response)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (e.g. its timeout expired)
            self.close_connection = True

    def write(self, response: Response) -> None:
        payload = response.payload()
        self.send_response(response.status)
        if payload or response.status not in (204, 304):
            self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.send_headers(response)
        if payload and self.command != "HEAD":
            self.wfile.write(payload)

    def send_headers(self, response: Response) -> None:
        """The answer's common headers and its own, then the end of the headers."""
        for name, value in self.answer_headers.items():
            self.send_header(name, value)
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.end_headers()


class SimulatorServer[C: SimCore]:
    """The lifecycle of a simulator served over HTTP on a thread of its own; ``core`` holds its state and
    its webhooks' worker, started and stopped with the server."""

    handler: ClassVar[type[SimHandler]]
    thread_name: ClassVar[str]
    core: C

    def __init__(self, host: str, port: int, public_url: str | None) -> None:
        self.host = host
        self.requested_port = port
        self.public_url = public_url
        self._server: SimServer[C] | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> Self:
        if self._server is not None:
            return self
        server = SimServer((self.host, self.requested_port), self.core, self.handler)
        port = server.server_address[1]
        shown_host = "127.0.0.1" if self.host in ("0.0.0.0", "") else self.host
        if ":" in shown_host:
            shown_host = f"[{shown_host}]"
        self.core.base_url = (self.public_url or f"http://{shown_host}:{port}").rstrip("/")
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.1}, name=self.thread_name, daemon=True
        )
        self._thread.start()
        self.core.webhooks.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        self.core.webhooks.stop()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def serve_forever(self) -> None:
        """Start and block until interrupted (used by ``python -m aha_jira_dev.<simulator>``)."""
        self.start()
        assert self._thread is not None
        try:
            while self._thread.is_alive():
                self._thread.join(timeout=0.5)
        finally:
            self.stop()

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("the simulator is not started")
        return self.core.base_url

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the simulator is not started")
        return int(self._server.server_address[1])
