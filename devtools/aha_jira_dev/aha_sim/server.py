"""HTTP plumbing (stdlib ``ThreadingHTTPServer``) and the public ``AhaSimulator`` object."""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any

from .core import Core
from .pm import ProductManager
from .ratelimit import DEFAULT_LIMIT, DEFAULT_WINDOW
from .routing import Response, error_response
from .state import INTEGRATION_ID, PRODUCT_ID
from .webhooks import DEFAULT_RETRY_DELAYS

LOG = logging.getLogger("aha_jira_dev.aha_sim")
MAX_BODY = 20 * 1024 * 1024


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    def __init__(self, address: tuple[str, int], core: Core) -> None:
        self.core = core
        super().__init__(address, _Handler)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "AhaSimulator/1.0"
    sys_version = ""
    server: _Server

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

    def do_HEAD(self) -> None:
        self._handle()

    def log_message(self, format: str, *args: Any) -> None:
        LOG.debug("%s - %s", self.address_string(), format % args)

    def _read_body(self) -> bytes | None:
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

    def _handle(self) -> None:
        body = self._read_body()
        if body is None:
            self._write(error_response(413, "Request entity too large"))
            self.close_connection = True
            return
        outcome = self.server.core.handle(self.command, self.path, self.headers, body, self.client_address[0])
        if outcome.drop or outcome.response is None:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        try:
            self._write(outcome.response)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (e.g. its timeout expired)
            self.close_connection = True

    def _write(self, response: Response) -> None:
        payload = response.payload()
        self.send_response(response.status)
        if payload or response.status not in (204, 304):
            self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(payload)))
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.end_headers()
        if payload and self.command != "HEAD":
            self.wfile.write(payload)


class AhaSimulator:
    """An Aha! account over HTTP: the REST API at ``api_url`` (``<base_url>/api/v1``), attachment downloads
    at ``<base_url>/attachments/...`` and the control API at ``<base_url>/_sim/...``.

    ``api_keys`` overrides the seeded keys (labels ``bot`` and ``pm``); ``openapi_path`` points at Aha!'s
    OpenAPI description (default ``../shared/reference/aha-openapi.json`` or ``AHA_SIM_OPENAPI``);
    ``check_responses`` checks every 2xx answer against it and records violations in the call log
    (``schema_errors``); ``seed`` seeds the fault rules' random draws; ``rate_limit``/``rate_window`` set the
    request limit (300 a minute by default; None: no limit); ``public_url`` is the base URL put in links.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        api_keys: dict[str, str] | None = None,
        openapi_path: Path | str | None = None,
        validate_openapi: bool = True,
        check_responses: bool = False,
        seed: int | None = 0,
        rate_limit: int | None = DEFAULT_LIMIT,
        rate_window: float = DEFAULT_WINDOW,
        public_url: str | None = None,
    ) -> None:
        self.host = host
        self.requested_port = port
        self.public_url = public_url
        self.core = Core(
            api_keys=api_keys,
            openapi_path=Path(openapi_path) if openapi_path else None,
            validate_openapi=validate_openapi,
            check_responses=check_responses,
            seed=seed,
            rate_limit=rate_limit,
            rate_window=rate_window,
        )
        self.pm = ProductManager(self.core.control_call)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # lifecycle -----------------------------------------------------------------------------------------
    def start(self) -> AhaSimulator:
        if self._server is not None:
            return self
        server = _Server((self.host, self.requested_port), self.core)
        port = server.server_address[1]
        shown = "127.0.0.1" if self.host in ("0.0.0.0", "") else self.host
        if ":" in shown:
            shown = f"[{shown}]"
        self.core.base_url = (self.public_url or f"http://{shown}:{port}").rstrip("/")
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.1}, name="aha-sim", daemon=True
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

    def __enter__(self) -> AhaSimulator:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def serve_forever(self) -> None:
        """Start and block until interrupted (``python -m aha_jira_dev.aha_sim``)."""
        self.start()
        assert self._thread is not None
        try:
            while self._thread.is_alive():
                self._thread.join(timeout=0.5)
        finally:
            self.stop()

    # where and who -------------------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("the simulator is not started")
        return self.core.base_url

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/api/v1"

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the simulator is not started")
        return int(self._server.server_address[1])

    @property
    def api_keys(self) -> dict[str, str]:
        """Label -> key of every key in force (seeded: ``bot`` and ``pm``)."""
        with self.core.store.lock:
            return {k.label: k.key for k in self.core.store.api_keys.values() if not k.revoked}

    @property
    def bot_key(self) -> str:
        return self.api_keys["bot"]

    @property
    def pm_key(self) -> str:
        return self.api_keys["pm"]

    product_id = PRODUCT_ID
    product_prefix = "PROD"
    integration_id = INTEGRATION_ID

    # control -------------------------------------------------------------------------------------------
    def reset(self) -> None:
        self.core.reset()

    @property
    def calls(self) -> list[dict[str, Any]]:
        return self.core.calls.snapshot()

    def response_schema_errors(self) -> list[dict[str, Any]]:
        """Calls whose answer broke the (repaired) response schema (needs ``check_responses=True``)."""
        return [c for c in self.calls if c.get("schema_errors")]

    def configure_webhook(
        self,
        url: str,
        *,
        formats: tuple[str, ...] | list[str] = ("integration", "activity"),
        events: list[str] | None = None,
        record_types: list[str] | None = None,
        api_changes: bool = True,
        retry_delays: tuple[float, ...] = DEFAULT_RETRY_DELAYS,
        timeout: float = 5.0,
    ) -> list[dict[str, Any]]:
        """Replace every webhook by one per format at ``url`` (both formats unless told otherwise)."""
        body = {
            "url": url,
            "formats": list(formats),
            "events": events,
            "record_types": record_types,
            "api_changes": api_changes,
            "retry_delays": list(retry_delays),
            "timeout": timeout,
        }
        result: list[dict[str, Any]] = self.core.control_call("PUT", "/webhook", body)["webhooks"]
        return result

    def add_webhook(
        self,
        url: str,
        format: str = "integration",
        *,
        events: list[str] | None = None,
        record_types: list[str] | None = None,
        api_changes: bool = True,
        retry_delays: tuple[float, ...] = DEFAULT_RETRY_DELAYS,
        timeout: float = 5.0,
    ) -> dict[str, Any]:
        """One more webhook target in ``format`` (``integration`` or ``activity``)."""
        body = {
            "url": url,
            "format": format,
            "events": events,
            "record_types": record_types,
            "api_changes": api_changes,
            "retry_delays": list(retry_delays),
            "timeout": timeout,
        }
        result: dict[str, Any] = self.core.control_call("POST", "/webhooks", body)
        return result

    def remove_webhooks(self) -> None:
        self.core.webhooks.remove_all()

    def deliveries(self) -> list[dict[str, Any]]:
        return self.core.webhooks.deliveries()

    def clear_deliveries(self) -> None:
        self.core.webhooks.clear_deliveries()

    def wait_for_deliveries(self, count: int, timeout: float = 5.0) -> list[dict[str, Any]]:
        if not self.core.webhooks.wait_done(count, timeout):
            raise TimeoutError(f"fewer than {count} webhook deliveries finished within {timeout}s")
        return self.core.webhooks.deliveries()

    def add_fault(self, **rule: Any) -> dict[str, Any]:
        """e.g. ``add_fault(method="PUT", path=r"/features/", status=503, probability=0.2, times=None)``."""
        return self.core.faults.add(rule).as_json()

    def faults(self) -> list[dict[str, Any]]:
        return self.core.faults.rules()

    def clear_faults(self) -> None:
        self.core.faults.clear()

    def seed_faults(self, seed: int | None) -> None:
        self.core.faults.seed(seed)

    def set_rate_limit(
        self, limit: int | None, window: float | None = None, retry_after: int | None = None
    ) -> None:
        """``limit`` requests per ``window`` seconds per key (None: no limit); ``retry_after`` fixes the
        429's ``Retry-After``. ``reset()`` goes back to the limits the simulator was started with."""
        self.core.limiter.configure(limit=limit, window=window, retry_after=retry_after)

    def add_api_key(self, label: str, email: str, key: str | None = None) -> str:
        body = {"label": label, "email": email, "key": key}
        return str(self.core.control_call("POST", "/api-keys", body)["key"])

    def revoke_api_key(self, label: str) -> None:
        self.core.control_call("DELETE", f"/api-keys/{label}")

    # records (as ``/_sim/...`` shows them) -----------------------------------------------------------------
    def feature(self, ref: str) -> dict[str, Any]:
        result: dict[str, Any] = self.core.control_call("GET", f"/features/{ref}")
        return result

    def features(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self.core.control_call("GET", "/features")["features"]
        return result

    def requirement(self, ref: str) -> dict[str, Any]:
        result: dict[str, Any] = self.core.control_call("GET", f"/requirements/{ref}")
        return result

    def comments(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self.core.control_call("GET", "/comments")["comments"]
        return result

    def time_tracking_events(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self.core.control_call("GET", "/time-tracking")["time_tracking_events"]
        return result

    def audits(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self.core.control_call("GET", "/audits")["audits"]
        return result
